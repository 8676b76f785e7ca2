/**
 * Reading a journal file back: its records (JSON lines) replayed into the live entries, and the lines that are not
 * records kept aside. Two kinds of bad line:
 * - a **cut** line: a record whose write a crash interrupted before it was durable (so its request never left): the
 *   last line of the file, or, with several writes in flight at once, a line followed by a blank one (the rest of
 *   the interrupted write's bytes, still the preallocated blank lines) that stops short of a record's closing `}`.
 *   It begins as every record does. Expected after a crash; logged at `info` (`ISO8583_WARN_JOURNAL_CUT`).
 * - **corrupt** lines: anything else that is not a record (a damaged block, an edit by hand, another program's
 *   bytes). Logged at `warn` (`ISO8583_WARN_JOURNAL_CORRUPT`) with their byte offsets.
 * Either way the bytes are kept: moved to a quarantine file beside the journal (`reversals.jsonl.corrupt-<time>`,
 * mode 0600, fsynced before the journal is rewritten), one bad line per line; a file in which no line is a record is
 * renamed there whole. Every intact record is recovered, before and after a bad line.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { syncDir, writeAll } from './durable-file.js';
import type { JournalEntry } from './journal.js';

/** A line of the file that is not a record. */
export interface BadLine {
  /** Byte offset of the line in the journal file. */
  offset: number;
  /** Its bytes (without the newline). */
  bytes: Buffer;
  /** A record cut by a crash (see the module comment), rather than corruption. */
  cut: boolean;
}

/** What a journal file holds. */
export interface JournalContents {
  /** The entries added and not done, oldest first. */
  live: Map<string, JournalEntry>;
  /** Lines that are records. */
  records: number;
  /** Lines that are not records (cut ones included). */
  bad: BadLine[];
}

type Json = Record<string, unknown>;

function isMessage(value: unknown): value is IsoMessage {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Json)['0'] === 'string';
}

/** Applies one line to the live entries; false when the line is not a record. */
function replay(line: Buffer, live: Map<string, JournalEntry>): boolean {
  let record: Json;
  try {
    const parsed: unknown = JSON.parse(line.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
    record = parsed as Json;
  } catch {
    return false;
  }
  const { op, id } = record;
  if (typeof id !== 'string' || id === '') return false;
  if (op === 'add' && isMessage(record.reversal)) {
    const attempts = record.attempts;
    live.set(id, {
      id,
      reversal: record.reversal,
      at: typeof record.at === 'number' ? record.at : 0,
      attempts: typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts > 0 ? attempts : 0,
      ...(record.kind === 'advice' ? { kind: 'advice' as const } : {}),
    });
    return true;
  }
  if (op === 'attempt' && typeof record.attempt === 'number' && Number.isSafeInteger(record.attempt) && record.attempt > 0) {
    const entry = live.get(id);
    if (entry !== undefined) entry.attempts = Math.max(entry.attempts ?? 0, record.attempt);
    return true;
  }
  if (op === 'done') {
    live.delete(id);
    return true;
  }
  return false;
}

/** What every record line begins with (`{"op":"`): a record cut short begins with it, or with a part of it. */
const RECORD_START = Buffer.from('{"op":"');

/** True when `line` begins as every record does (or is a beginning of that). */
function startsAsRecord(line: Buffer): boolean {
  const n = Math.min(line.length, RECORD_START.length);
  return line.compare(RECORD_START, 0, n, 0, n) === 0;
}

/** True when `line` is the beginning of a record, cut short: it begins as every record does and does not end as one. */
function cutShort(line: Buffer): boolean {
  return startsAsRecord(line) && line[line.length - 1] !== 0x7d;
}

/** The bytes of the journal file at `path`: none when there is no file yet. */
export async function readJournalFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return Buffer.alloc(0);
  }
}

/** Replays a journal file's bytes (blank lines, the preallocated tail, are skipped). */
export function readJournal(data: Buffer): JournalContents {
  const live = new Map<string, JournalEntry>();
  const bad: BadLine[] = [];
  let records = 0;
  let lastLine = -1;
  for (let start = 0; start < data.length; ) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    if (end > start) {
      const line = data.subarray(start, end);
      lastLine = start;
      if (replay(line, live)) records += 1;
      // Followed by a blank line: the rest of its write never reached the file (cut), if it begins as a record and
      // stops short of one's end (a whole line that fails to parse, before a gap a failed batch left, is corruption).
      else bad.push({ offset: start, bytes: Buffer.from(line), cut: data[end + 1] === 0x0a && cutShort(line) });
    }
    start = end + 1;
  }
  const last = bad[bad.length - 1];
  if (last !== undefined && last.offset === lastLine) last.cut = startsAsRecord(last.bytes);
  return { live, records, bad };
}

/** A quarantine file name beside the journal that does not exist yet. */
function quarantineName(path: string, n: number): string {
  const time = new Date().toISOString().replace(/[-:.]/g, '');
  return `${path}.corrupt-${time}${n === 0 ? '' : `-${n}`}`;
}

/**
 * Moves the bad lines of `path` to a quarantine file (fsynced, with its folder) and logs them: `warn` with
 * `ISO8583_WARN_JOURNAL_CORRUPT` and the byte offsets, or `info` with `ISO8583_WARN_JOURNAL_CUT` when every bad line
 * is a record a crash cut. When no line is a record the file itself is renamed. Never logs the bytes themselves
 * (they may hold a PAN). Returns the quarantine file.
 */
export async function quarantine(path: string, contents: JournalContents, logger: Logger): Promise<string | undefined> {
  const { bad, records } = contents;
  if (bad.length === 0) return undefined;
  const dir = dirname(path);
  const offsets = bad.map((b) => b.offset);
  const onlyCut = bad.every((b) => b.cut);
  for (let n = 0; ; n++) {
    const target = quarantineName(path, n);
    try {
      if (records === 0 && !onlyCut) {
        // Nothing in it is a record: the whole file is kept as it is.
        const probe = await open(target, 'wx', 0o600);
        await probe.close();
        await rename(path, target);
      } else {
        const out = await open(target, 'wx', 0o600);
        try {
          await writeAll(out, Buffer.concat(bad.flatMap((b) => [b.bytes, Buffer.from('\n')])), 0);
          await out.sync();
        } finally {
          await out.close();
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await syncDir(dir);
    const context = { file: basename(path), quarantine: basename(target), offsets, records };
    if (onlyCut) {
      logger.info({ code: 'ISO8583_WARN_JOURNAL_CUT', ...context }, 'the reversal journal holds records cut by a crash (their requests never left): kept in quarantine');
    } else {
      logger.warn(
        { code: 'ISO8583_WARN_JOURNAL_CORRUPT', ...context, whole: records === 0 },
        'the reversal journal has lines that are not records: moved to quarantine, every intact record recovered',
      );
    }
    return join(dir, basename(target));
  }
}
