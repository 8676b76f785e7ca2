/**
 * What a journal file read back (journal-read.ts) still owes: its live entries, and its damaged `add` records (each a
 * reversal or advice maybe owed that no start sends) unless the file holds a `done` of their id. The one reading of it
 * for a restart's log, the checks before a start (journal-owed.ts) and a start with reversal off (reversal-unsent.ts).
 */
import { SHORTEST_ADD, addParts, mayHideMore, readDamaged } from './journal-damage.js';
import type { DamagedRecord } from './journal-damage.js';
import type { BadLine, JournalContents } from './journal-read.js';

/** A damaged `add` of a journal file (see {@link damagedAdds}). */
export interface DamagedAdd {
  /** Its line (or the bad piece of a line: journal-read.ts). */
  line: BadLine;
  /** Its byte offset in the file: where its part of the line begins (a line may hold several: journal-damage.ts `addParts`). */
  offset: number;
  /** What can still be read of it (journal-damage.ts: never card data). */
  read: DamagedRecord;
  /** The file also holds a `done` of its id (an orphan `done`): its reversal or advice was sent and ended, nothing owed. */
  done: boolean;
  /** It may hide more adds than itself (NUL bytes of a torn sector, or several messages: journal-damage.ts `mayHideMore`). */
  more: boolean;
}

/**
 * True when `line` is a last line of NUL bytes alone the file ends in that cannot have held a record anyone was answered
 * on (sr66h #3, sr66i #3): a crash while the file grew (its new size kept, not its bytes) leaves NULs where the growing
 * write went, which begins right after the last record, over the blank lines preallocated before it; whatever was
 * synced before that write is read back. So NULs that follow a blank line (the preallocated tail) owe nothing, nor a
 * run too short to have held an add and its newline ({@link SHORTEST_ADD}). NULs right after a record (no blank line
 * between, or nothing before them) may be a torn page that begins at a line's start, over an add that was synced: owed.
 */
function grewOnly(line: BadLine): boolean {
  if (line.endsFile !== true || !line.bytes.every((byte) => byte === 0)) return false;
  return line.afterBlank === true || line.bytes.length <= SHORTEST_ADD;
}

/**
 * The damaged `add` records of `contents` (bad lines, not cut, each part that still reads as an `add`: an add whose
 * start can be seen in a line counts apart, journal-damage.ts `addParts`): each a reversal or advice maybe still owed,
 * unless the file holds a `done` of its id (`done`). The one rule of a restart's log and of the check of a start with
 * reversal off (reversal-unsent.ts).
 */
export function damagedAdds(contents: JournalContents): DamagedAdd[] {
  const found: DamagedAdd[] = [];
  for (const line of contents.bad) {
    if (line.cut || grewOnly(line)) continue;
    for (const part of addParts(line.bytes)) {
      const read = readDamaged(part.bytes);
      if (read?.op !== 'add') continue;
      const more = mayHideMore(part.bytes);
      // A part that may hide another add behind the one whose id it reads (NUL bytes of a torn sector, sr66i #1, or a
      // second message whose add start was damaged too, sr67e #2): never "nothing owed" on that id's done.
      const torn = part.bytes.includes(0);
      found.push({ line, offset: line.offset + part.at, read, done: read.id !== undefined && !torn && !more && contents.orphanIds.has(read.id), more });
    }
  }
  return found;
}

/**
 * The reversals and advices `contents` may still owe: its live entries, and its damaged `add` records whose `done` is
 * not in the file ({@link damagedAdds}). The one count of a start with reversal and SAF off (reversal-unsent.ts) and
 * of the checks before a start ({@link owedOf}).
 */
export function owedCount(contents: JournalContents): number {
  return owedOf(contents).owed;
}

/** What a journal file still owes (all 0 when there is no file). */
export interface JournalOwed {
  /** The live entries: reversals and advices an earlier run left unfinished (a start with reversal or SAF on sends them). */
  entries: number;
  /** Of {@link JournalOwed.entries}, the reversals (the others are advices). */
  reversals: number;
  /**
   * The damaged `add` records (not a crash cut) whose `done` is not in the file: each a reversal or advice maybe owed
   * that no start sends (a start with reversal or SAF on quarantines each and logs it at `error`).
   */
  damaged: number;
  /** `entries + damaged`: what the file may still owe ({@link owedCount}), the count a refusal is made on. */
  owed: number;
  /**
   * Present (`true`) when {@link JournalOwed.damaged} is a lower bound: a damaged add may hide more (a torn sector's
   * NUL bytes over several lines). Absent otherwise.
   */
  damagedMore?: true;
}

/** What a journal that has no file owes: nothing (frozen: spread it, `{ ...NOTHING_OWED }`, for an object of its own). */
export const NOTHING_OWED: Readonly<JournalOwed> = Object.freeze({ entries: 0, reversals: 0, damaged: 0, owed: 0 });

/**
 * What `contents` owes: the one reading of it for every check before or instead of a start (journal-owed.ts, and
 * journal-compaction.ts `journalOpenNeed`, which reads the file once for its size and what it owes).
 */
export function owedOf(contents: JournalContents): JournalOwed {
  const live = [...contents.live.values()];
  const damaged = damagedAdds(contents).filter((d) => !d.done);
  const owed = live.length + damaged.length;
  const more = damaged.some((d) => d.more);
  return { entries: live.length, reversals: live.filter((e) => (e.kind ?? 'reversal') === 'reversal').length, damaged: damaged.length, owed, ...(more ? { damagedMore: true as const } : {}) };
}
