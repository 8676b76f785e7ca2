/**
 * What a journal file read back (journal-read.ts) still owes: its live entries, and its damaged `add` records (each a
 * reversal or advice maybe owed that no start sends) unless the file holds a `done` of their id. The one reading of it
 * for a restart's log, the checks before a start (journal-owed.ts) and a start with reversal off (reversal-unsent.ts).
 */
import { readDamaged } from './journal-damage.js';
import type { DamagedRecord } from './journal-damage.js';
import type { BadLine, JournalContents } from './journal-read.js';

/** A damaged `add` of a journal file (see {@link damagedAdds}). */
export interface DamagedAdd {
  /** Its line. */
  line: BadLine;
  /** What can still be read of it (journal-damage.ts: never card data). */
  read: DamagedRecord;
  /** The file also holds a `done` of its id (an orphan `done`): its reversal or advice was sent and ended, nothing owed. */
  done: boolean;
}

/**
 * The damaged `add` records of `contents` (bad lines, not cut, that still read as an `add`): each a reversal or advice
 * maybe still owed, unless the file holds a `done` of its id (`done`). The one rule of a restart's log and of the check
 * of a start with reversal off (reversal-unsent.ts).
 */
export function damagedAdds(contents: JournalContents): DamagedAdd[] {
  const found: DamagedAdd[] = [];
  for (const line of contents.bad) {
    // A last line of NUL bytes alone the file ends in: a crash while the file grew (its new size kept, its bytes not),
    // a write nobody was answered on: no add (sr66h #3). NULs over a line inside the file may have been one.
    if (line.endsFile === true && line.bytes.every((byte) => byte === 0)) continue;
    const read = line.cut ? undefined : readDamaged(line.bytes);
    if (read?.op !== 'add') continue;
    // A line with NUL bytes (a torn sector) may hide another add behind the one whose id it reads (sr66i #1): never
    // "nothing owed" on that id's done.
    found.push({ line, read, done: read.id !== undefined && !line.bytes.includes(0) && contents.orphanIds.has(read.id) });
  }
  return found;
}

/**
 * The reversals and advices `contents` may still owe: its live entries, and its damaged `add` records whose `done` is
 * not in the file ({@link damagedAdds}). The one count of a start with reversal and SAF off (reversal-unsent.ts) and
 * of the checks before a start ({@link owedOf}).
 */
export function owedCount(contents: JournalContents): number {
  return contents.live.size + damagedAdds(contents).filter((d) => !d.done).length;
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
}

/** What a journal that has no file owes: nothing (frozen: spread it, `{ ...NOTHING_OWED }`, for an object of its own). */
export const NOTHING_OWED: Readonly<JournalOwed> = Object.freeze({ entries: 0, reversals: 0, damaged: 0, owed: 0 });

/**
 * What `contents` owes: the one reading of it for every check before or instead of a start (journal-owed.ts, and
 * journal-compaction.ts `journalOpenNeed`, which reads the file once for its size and what it owes).
 */
export function owedOf(contents: JournalContents): JournalOwed {
  const live = [...contents.live.values()];
  const owed = owedCount(contents);
  return { entries: live.length, reversals: live.filter((e) => (e.kind ?? 'reversal') === 'reversal').length, damaged: owed - live.length, owed };
}
