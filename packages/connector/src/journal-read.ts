/**
 * Reading a journal file back: its records (JSON lines, each with its checksum: journal-checksum.ts) replayed into the
 * live entries, and the lines that are not records kept aside. Two kinds of bad line:
 * - a **cut** line: a record whose write a crash interrupted before it was durable (so none of its callers was
 *   answered: an `add` whose request never left, or a `done` / `attempt` whose outcome nobody saw and which is replayed
 *   as not written, so the entry stays and is reversed or repeated): the last line of the file, or, with several
 *   writes in flight at once, a line followed by a blank one (the rest of the interrupted write's bytes, still the
 *   preallocated blank lines) that stops short of a record's closing `}`. It begins as every record does, and is
 *   followed by a newline (a crash tears a write inside the preallocated blank lines; a last line the file ends in was
 *   cut with the file, a truncation, or by a crash while the file grew, its records and new blank lines one write:
 *   the file cannot tell which, so it is corrupt, `endsFile`, warned of). Expected after a crash; logged at `info`
 *   (`ISO8583_WARN_JOURNAL_CUT`). A crash leaves a beginning of a record, never a whole one with bytes changed: a line
 *   that ends in a checksum, even a damaged one, is never cut (journal-damage.ts).
 * - **corrupt** lines: anything else that is not a record (a damaged block, a flipped bit that fails the checksum, an
 *   edit by hand, another program's bytes). Logged at `warn` (`ISO8583_WARN_JOURNAL_CORRUPT`) with their byte offsets,
 *   and a damaged `add` (a reversal or advice owed) also at `error`, with what can still be read of it (never card
 *   data); at `warn` instead when the file also holds a `done` of its id (sent and ended: nothing owed). A record damaged in one byte of its checksum only is mended (its bytes match the checksum) and replayed.
 * A journal file always ends with a blank line (preallocated, and grown ahead of its records: journal-writes.ts): one
 * that ends right after a record was cut short at a line's end, records after it may be lost (`warn`, `atLine`). A
 * file an older version wrote may end so without having lost anything (a batch that filled it to its last byte); it
 * cannot be told apart, so it is warned of too.
 * Either way the bytes are kept: moved to a quarantine file beside the journal (journal-quarantine.ts). A line ending in CRLF (a file converted by a copy) is read without its
 * `\r`. Every intact record is recovered, before and after a bad line, and inside one (a damaged newline merges two
 * records, or leaves a stray byte after the last one: each part that is a record its checksum vouches for is replayed,
 * the rest is a bad line of its own, never cut: journal-damage.ts `sealedRecords`). Also logged at `warn` with
 * `ISO8583_WARN_JOURNAL_CORRUPT`: a `done` of an entry the file does not hold (its `add` was lost), and a journal file
 * of zero length (a journal file is never empty: it is preallocated with blank lines).
 * What a file read back still owes (its live entries, its damaged `add` records): journal-read-owed.ts.
 */
import { basename } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { UNSEALED_MEMBERS, checkSeal } from './journal-checksum.js';
import { mendSeal, sealShaped, sealedRecords } from './journal-damage.js';
import { damagedAdds } from './journal-read-owed.js';
import { RECORD_START } from './journal-record.js';
import type { JournalEntry } from './journal.js';
import { quarantine } from './journal-quarantine.js';
import { blankEnd, readJournalFile } from './journal-tail.js';
import { OvertakenReplay, logRepeatsAgain, undidNothingOf, endsOf } from './journal-overtaken-replay.js';
import type { RepeatsAgain } from './journal-overtaken-replay.js';

/** A line of the file that is not a record. */
export interface BadLine {
  /** Byte offset of the line in the journal file. */
  offset: number;
  /** Its bytes (without the newline). */
  bytes: Buffer;
  /** A record cut by a crash (see the module comment), rather than corruption. */
  cut: boolean;
  /**
   * The file ends inside this line (or the line it is the rest of: no newline after it, no preallocated blank lines): the file was cut short (a
   * truncation, a copy or restore that stopped, or a crash while the file grew), so records after it may be lost.
   */
  endsFile?: boolean;
  /**
   * With `endsFile`: a blank line is right before it (the preallocated tail), not a record: NULs there are where a crash
   * while the file grew lost its growing write, which began after the last record (journal-read-owed.ts).
   */
  afterBlank?: boolean;
}

/** How a line replays: a record, a `done` of an entry not held (its `add` lost), or not a record. */
type Replayed = 'record' | 'orphan' | 'bad';

/** What a journal file holds. */
export interface JournalContents {
  /** The entries added and not done, oldest first. */
  live: Map<string, JournalEntry>;
  /** Lines that are records. */
  records: number;
  /** Lines that are not records (cut ones included). */
  bad: BadLine[];
  /** Byte offsets of the `done` records of entries the file does not hold (their `add` was lost). */
  orphans: number[];
  /** The ids of those `done` records: a damaged `add` of one of them is owed nothing (see {@link damagedAdds}). */
  orphanIds: Set<string>;
  /** Byte offsets of records damaged in their checksum only, mended and replayed (journal-damage.ts). */
  mended: number[];
  /** The repeats stored for reversals that undid nothing (journal-overtaken.ts), among `live` too. */
  again: RepeatsAgain;
  /**
   * The file ends right after a record, without the blank line every journal file ends with (it is preallocated, and
   * grown ahead of its records): it was cut short at a line's end, so records after it may be lost.
   */
  endsAtLine: boolean;
}

type Json = Record<string, unknown>;

function isMessage(value: unknown): value is IsoMessage {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Json)['0'] === 'string';
}

/** True when a line without a checksum holds a member no record had before the checksum (a damaged checksum). */
function foreignMember(record: Json): boolean {
  for (const key in record) if (!UNSEALED_MEMBERS.has(key)) return true;
  return false;
}

/** Applies one line to the live entries (see {@link Replayed}); orphan `done` ids to `orphanIds`; `overtaken` told. */
function replay(line: Buffer, live: Map<string, JournalEntry>, orphanIds: Set<string>, overtaken: OvertakenReplay): Replayed {
  const seal = checkSeal(line);
  if (seal === 'bad') return 'bad';
  let record: Json;
  try {
    const parsed: unknown = JSON.parse(line.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'bad';
    record = parsed as Json;
  } catch {
    return 'bad';
  }
  if (seal === 'none' && foreignMember(record)) return 'bad';
  const { op, id } = record;
  if (typeof id !== 'string' || id === '') return 'bad';
  if (op === 'add' && isMessage(record.reversal)) {
    const attempts = record.attempts;
    live.set(id, {
      id,
      reversal: record.reversal,
      at: typeof record.at === 'number' ? record.at : 0,
      attempts: typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts > 0 ? attempts : 0,
      ...(record.kind === 'advice' ? { kind: 'advice' as const } : {}),
    });
    overtaken.added(record.reversal);
    return 'record';
  }
  if (op === 'attempt' && typeof record.attempt === 'number' && Number.isSafeInteger(record.attempt) && record.attempt > 0) {
    const entry = live.get(id);
    if (entry !== undefined) entry.attempts = Math.max(entry.attempts ?? 0, record.attempt);
    return 'record';
  }
  if (op === 'done') {
    const entry = live.get(id);
    if (entry !== undefined && live.delete(id)) return overtaken.done(record.at, entry, undidNothingOf(record), record.retires === true, endsOf(record), live);
    // Its entry ended by a retiring record before it (its `done` written again after a failure): no orphan.
    if (overtaken.endedEarlier(id)) return 'record';
    orphanIds.add(id);
    return 'orphan';
  }
  return 'bad';
}

/** What every record line begins with (journal-record.ts): a record cut short begins with it, or with a part of it. */
const RECORD_START_BYTES = Buffer.from(RECORD_START);

/** True when `line` begins as every record does (or is a beginning of that). */
function startsAsRecord(line: Buffer): boolean {
  const n = Math.min(line.length, RECORD_START_BYTES.length);
  return line.compare(RECORD_START_BYTES, 0, n, 0, n) === 0;
}

/**
 * True when `line` is the beginning of a record, cut short: it begins as every record does and does not end as one (in
 * a checksum, even a damaged one: a line that reached its checksum is whole, and damaged). A `}` is no sign of a whole
 * record by itself: an `add`'s message ends in one before its `,"at":` (a crash tearing the write just after it). But
 * a line that ends in `}` and has the `,"at":` member was written past its message: whole, so damaged (an older
 * version's line, no checksum, that no longer parses: a reversal maybe owed, not a cut). `,"at":` cannot occur inside
 * a JSON string (its quote would be escaped), and no record has a member of that name before its message. Any other
 * line of an older version that fails to parse and begins as a record is read as cut: nothing tells it from a torn one.
 */
function cutShort(line: Buffer): boolean {
  const whole = line.length > 0 && line[line.length - 1] === CLOSE_BRACE && line.includes(AT_MEMBER);
  return startsAsRecord(line) && !sealShaped(line) && !whole;
}

/** The last byte of a whole record (`}`). */
const CLOSE_BRACE = 0x7d;
/** The member every `add` and `done` has after its message or outcome (`,"at":`). */
const AT_MEMBER = Buffer.from(',"at":');

/** True when a blank line ends right before `at` (`\n\n`, or `\n\r\n` in a file a copy converted to CRLF). */
function blankBefore(data: Buffer, at: number): boolean {
  // A file that was one blank line (an empty compacted file, a preallocation of 1) grows from offset 1 (sr67e #3b).
  if (at === 1) return data[0] === 0x0a;
  if (at < 2 || data[at - 1] !== 0x0a) return false;
  return data[at - 2] === 0x0a || (at >= 3 && data[at - 2] === 0x0d && data[at - 3] === 0x0a);
}

/** Lines replayed between two turns of the event loop by {@link readJournalInTurns}: 4096 (a few ms of CPU). */
export const REPLAY_TURN_LINES = 4096;

/**
 * Blank bytes (the preallocated tail, a gap a failed batch left) passed over between two turns of the event loop by
 * {@link readJournalInTurns}: 8 MiB (a millisecond or two, compared a chunk at a time), so that a large preallocation
 * (64 MiB: 1.2 s in one turn when each blank line was a line of its own) does not hold the loop either.
 */
export const REPLAY_TURN_BLANK_BYTES = 8 * 1024 * 1024;

/** Resolves in the next turn of the event loop (after the I/O and timers due): how the journal's long loops pause. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Replays a journal file's bytes (blank lines, the preallocated tail, are skipped), in one synchronous call. */
export function readJournal(data: Buffer): JournalContents {
  const replaying = replayLines(data);
  let step = replaying.next();
  while (step.done !== true) step = replaying.next();
  return step.value;
}

/**
 * {@link readJournal}, with a turn of the event loop every {@link REPLAY_TURN_LINES} lines: a start replaying a large
 * file (230,000 open entries: 53 MiB, about 1 s of CPU) does not hold whatever else runs in the process meanwhile (a
 * gateway's other upstreams' journals opening, its first upstream link connecting and sending what its journal held).
 * `between` is called after each turn: when it throws, the replay ends there and rejects with its error (default: none).
 */
export async function readJournalInTurns(data: Buffer, between?: () => void): Promise<JournalContents> {
  const replaying = replayLines(data);
  let step = replaying.next();
  while (step.done !== true) {
    await nextTurn();
    between?.();
    step = replaying.next();
  }
  return step.value;
}

/**
 * Replays `data` line by line (see {@link readJournal}), pausing (`yield`) after every {@link REPLAY_TURN_LINES} lines
 * and every {@link REPLAY_TURN_BLANK_BYTES} blank bytes.
 */
function* replayLines(data: Buffer): Generator<void, JournalContents, void> {
  const live = new Map<string, JournalEntry>();
  const bad: BadLine[] = [];
  const orphans: number[] = [];
  const orphanIds = new Set<string>();
  const mended: number[] = [];
  const overtaken = new OvertakenReplay();
  let records = 0;
  let lastLine = -1;
  /** Where the last line ends (its newline, or the end of the data). */
  let lastEnd = -1;
  let lines = 0;
  let blank = 0;
  /** The bad line (or the bad rest of one) the last line ends with, if it does; whether it is all of that line. */
  let lastBad: BadLine | undefined;
  let lastWhole = false;
  for (let start = 0; start < data.length; ) {
    if (data[start] === 0x0a) {
      // A run of blank lines: passed over a chunk at a time, its bytes counted toward the turn.
      const next = blankEnd(data, start, Math.min(data.length, start + REPLAY_TURN_BLANK_BYTES - blank));
      blank += next - start;
      start = next;
      if (blank >= REPLAY_TURN_BLANK_BYTES) {
        blank = 0;
        yield;
      }
      continue;
    }
    // A line (not blank: it begins with a byte other than a newline).
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    // A CRLF line end (the file converted by a copy or a restore): the `\r` is no part of a record (whose JSON never
    // ends in one); a line of it alone is blank.
    const stop = data[end - 1] === 0x0d ? end - 1 : end;
    if (stop === start) {
      start = end + 1;
      if (++lines % REPLAY_TURN_LINES === 0) yield;
      continue;
    }
    const line = data.subarray(start, stop);
    lastLine = start;
    lastEnd = end;
    let replayed = replay(line, live, orphanIds, overtaken);
    // Whole, damaged in its checksum only: its record, as written (journal-damage.ts).
    const fixed = replayed === 'bad' ? mendSeal(line) : undefined;
    if (fixed !== undefined && (replayed = replay(fixed, live, orphanIds, overtaken)) !== 'bad') mended.push(start);
    lastBad = undefined;
    if (replayed !== 'bad') {
      records += 1;
      if (replayed === 'orphan') orphans.push(start);
    } else {
      // The whole records inside it (a damaged newline merged them, or left a stray byte after one): replayed, the
      // rest of the line bad apart (journal-damage.ts). A line with one is no crash's cut (a crash never joins lines).
      // A merged record damaged in its checksum only is not mended (mendSeal is for whole lines): which bytes of a merged
      // line are its record is a guess (sr66h #6b), so it is a bad piece, reported (an add at error), never guessed.
      const inside = sealedRecords(line);
      let pos = 0;
      const piece = (from: number, to: number): void => {
        if (from < to) bad.push((lastBad = { offset: start + from, bytes: Buffer.from(data.subarray(start + from, start + to)), cut: false }));
      };
      for (const [from, to] of inside) {
        const one = replay(line.subarray(from, to), live, orphanIds, overtaken);
        if (one === 'bad') continue;
        piece(pos, from);
        lastBad = undefined;
        records += 1;
        if (one === 'orphan') orphans.push(start + from);
        pos = to;
        // Each record of a merged line counts as a line toward the turn: a huge one (a whole file's newlines damaged)
        // does not hold the event loop (sr66h #5).
        if (++lines % REPLAY_TURN_LINES === 0) yield;
      }
      if (pos === 0) {
        // Followed by a blank line: the rest of its write never reached the file (cut), if it begins as a record and
        // stops short of one's end (a whole line that fails to parse, before a gap a failed batch left, is corruption).
        bad.push((lastBad = { offset: start, bytes: Buffer.from(data.subarray(start, end)), cut: data[end + 1] === 0x0a && cutShort(line) }));
        lastWhole = true;
      } else {
        piece(pos, stop - start); // a CRLF line's `\r` is no piece (sr66h #6a)
        lastWhole = false;
      }
    }
    if (++lines % REPLAY_TURN_LINES === 0) yield;
    start = end + 1;
  }
  const last = lastBad;
  if (last !== undefined) {
    // A crash tears its write inside the preallocated blank lines, so a cut last line has newlines after it. One the
    // file ends in was cut with the file (a truncation: what followed it is gone; or a crash while the file grew, which
    // lost nothing acknowledged, and cannot be told from it): warned of as damage, never a plain crash cut.
    last.endsFile = data[lastEnd] !== 0x0a;
    if (last.endsFile) last.afterBlank = blankBefore(data, last.offset);
    // The last line: cut if it is a beginning of a record (cut short of its end), holds no whole record, and the file
    // does not end in it.
    last.cut = lastWhole && cutShort(last.bytes) && !last.endsFile;
  }
  // Blank lines follow the last line (a newline after its own), unless the file was cut right after it.
  const endsAtLine = lastLine >= 0 && lastEnd < data.length && data.indexOf(0x0a, lastEnd + 1) < 0;
  return { live, records, bad, orphans, orphanIds, mended, endsAtLine, again: overtaken.finish(live) };
}

/**
 * Logs what the damage of a journal file means beyond its bad lines (quarantine.ts logs those): at `error`, each
 * damaged `add` (a reversal or advice owed that cannot be sent: its bytes are not the ones written), with what can
 * still be read of it to settle it by hand (entry id, STAN, terminal, RRN: journal-damage.ts, never card data), or at
 * `warn` (`done: true`) when the file holds its `done` (nothing owed); at `warn`, records mended (damaged in their checksum only) and a file cut short right after a record.
 */
function warnDamage(file: string, contents: JournalContents, kept: string | undefined, logger: Logger): void {
  const code = 'ISO8583_WARN_JOURNAL_CORRUPT';
  for (const { offset, read, done, more } of damagedAdds(contents)) {
    const fields = { code, file, damagedAdd: { offset, ...read }, ...(kept === undefined ? {} : { quarantine: basename(kept) }) };
    if (done) logger.warn({ ...fields, done: true }, 'a reversal or advice record of the journal is damaged, but its done is in the file: nothing owed');
    else if (more) {
      // A torn sector over several lines: the adds it hid cannot be counted (sr66h #2).
      logger.error(
        { ...fields, more: true },
        'one or more reversal or advice records of the journal are damaged (a torn sector or several messages in one damaged line may hide several): they are not sent (their bytes are not the ones written); settle those transactions with the bank',
      );
    } else {
      logger.error(
        fields,
        'a reversal or advice record of the journal is damaged: it is not sent (its bytes are not the ones written); settle that transaction with the bank',
      );
    }
  }
  if (contents.mended.length > 0) {
    logger.warn(
      { code, file, mended: contents.mended },
      'the reversal journal has records damaged in their checksum only: their bytes match it, so they were recovered',
    );
  }
  if (contents.endsAtLine) {
    logger.warn(
      { code, file, endsFile: true, atLine: true },
      'the reversal journal file ends right after a record, without the blank lines every journal file ends with: it was cut short (truncated, or a copy or restore that stopped), so records after it may be lost',
    );
  }
}

/**
 * Reads the journal file at `path` back (see the module comment): its bad lines moved to quarantine before the caller
 * rewrites the file, and a `warn` (`ISO8583_WARN_JOURNAL_CORRUPT`) for a file of zero length (`empty`) and for `done`
 * records of entries the file does not hold (`orphanDone`: their byte offsets). Returns the live entries, oldest first.
 * Replayed in turns of the event loop ({@link readJournalInTurns}, calling `between` after each turn: when it throws,
 * the load rejects with its error, nothing written).
 */
export async function loadJournal(path: string, logger: Logger, between?: () => void): Promise<Map<string, JournalEntry>> {
  const read = await readJournalFile(path);
  const data = read?.data;
  const file = basename(path);
  if (read?.size === 0) {
    logger.warn(
      { code: 'ISO8583_WARN_JOURNAL_CORRUPT', file, empty: true },
      'the reversal journal file is empty (zero length), though a journal file is always preallocated: its records may have been lost',
    );
  }
  // `between` may end the replay (the journal closed while it opened): before anything is quarantined or written.
  const contents = await readJournalInTurns(data ?? Buffer.alloc(0), between);
  // The bad bytes are safe in quarantine before the rewrite drops them from the journal.
  const kept = await quarantine(path, contents, logger);
  warnDamage(file, contents, kept, logger);
  if (contents.orphans.length > 0) {
    logger.warn(
      { code: 'ISO8583_WARN_JOURNAL_CORRUPT', file, orphanDone: contents.orphans },
      'the reversal journal has done records of entries it does not hold (their add record was lost)',
    );
  }
  logRepeatsAgain(logger, contents.again);
  return contents.live;
}
