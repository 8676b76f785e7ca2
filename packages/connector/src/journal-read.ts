/**
 * Reading a journal file back: its records (JSON lines) replayed into the live entries, and the lines that are not
 * records kept aside. Two kinds of bad line:
 * - the **cut** line: the last record of the file, whose write a crash interrupted before its fsync completed (so
 *   its request never left). Expected after a crash; logged at `info` (`ISO8583_WARN_JOURNAL_CUT`).
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
}

/** What a journal file holds. */
export interface JournalContents {
  /** The entries added and not done, oldest first. */
  live: Map<string, JournalEntry>;
  /** Lines that are records. */
  records: number;
  /** Lines that are not records (the cut one included). */
  bad: BadLine[];
  /** Whether the last bad line is the last non-blank line of the file (a write cut by a crash). */
  cutTail: boolean;
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
      else bad.push({ offset: start, bytes: Buffer.from(line) });
    }
    start = end + 1;
  }
  const last = bad[bad.length - 1];
  return { live, records, bad, cutTail: last !== undefined && last.offset === lastLine };
}

/** A quarantine file name beside the journal that does not exist yet. */
function quarantineName(path: string, n: number): string {
  const time = new Date().toISOString().replace(/[-:.]/g, '');
  return `${path}.corrupt-${time}${n === 0 ? '' : `-${n}`}`;
}

/**
 * Moves the bad lines of `path` to a quarantine file (fsynced, with its folder) and logs them: `warn` with
 * `ISO8583_WARN_JOURNAL_CORRUPT` and the byte offsets, or `info` with `ISO8583_WARN_JOURNAL_CUT` when the only bad
 * line is the one a crash cut. When no line is a record the file itself is renamed. Never logs the bytes themselves
 * (they may hold a PAN). Returns the quarantine file.
 */
export async function quarantine(path: string, contents: JournalContents, logger: Logger): Promise<string | undefined> {
  const { bad, records, cutTail } = contents;
  if (bad.length === 0) return undefined;
  const dir = dirname(path);
  const offsets = bad.map((b) => b.offset);
  const onlyCut = cutTail && bad.length === 1;
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
      logger.info({ code: 'ISO8583_WARN_JOURNAL_CUT', ...context }, 'the reversal journal ends with a record cut by a crash (its request never left): kept in quarantine');
    } else {
      logger.warn(
        { code: 'ISO8583_WARN_JOURNAL_CORRUPT', ...context, whole: records === 0 },
        'the reversal journal has lines that are not records: moved to quarantine, every intact record recovered',
      );
    }
    return join(dir, basename(target));
  }
}
