/**
 * Reading the transaction log's files: one file of JSON lines per UTC day (`transactions-YYYY-MM-DD.jsonl`, by the
 * record's `at`), each read backwards in chunks, so that a query for the latest records reads the end of the newest
 * file only. A file's lines are in the order their outcomes were recorded (`at + latencyMs`, never decreasing along a
 * file while the wall clock only moves forward), which bounds the search: once `limit` records are found, a line whose
 * outcome came before the oldest of them was accepted cannot be among the newest, nor can any line before it. A line
 * written after the wall clock was stepped back carries `stepBack` (ms): how much later than its own the latest outcome
 * before it in the file is; the bound counts from there, so that a step back never hides the lines before it. Every
 * line is read back by the rule it was written by ({@link readLine}: the allow-list of the writer, the file of its
 * day): a line that is not such a record (not JSON, a key missing or damaged, a value out of its field or range, an
 * `at` outside its file's day) is skipped in every query, whatever its page, and reported once
 * (`ISO8583_WARN_TRANSACTION_LOG_CORRUPT`, file and byte offset, never a value); an unterminated last line is a record
 * being written (or cut by a crash): skipped without a word. A line whose time was damaged into an earlier one (a
 * flipped digit of `at`: still JSON) would stop the search there and hide every older line: the search stops only once
 * the line read next (an earlier one) agrees, and a line that settled after it shows the stop's line damaged, reported
 * the same way and not taken as the end, the search going on (the record stands at its time, as it does in a search
 * that does not stop there). The check reads one more line per stop and writes nothing. A line whose `at` was damaged
 * into a later time of its day cannot be told from the lines around it by one stop's check: a search that stops before
 * it does not see it (no checksum; a known limit). A page after a cursor (or a query with `to`) passes over the lines
 * accepted after its `to` by the `at` every line starts with, unparsed (they are not of the page; a line's damage is
 * reported by the queries that read it), so that a deep page costs a scan, not a parse, of the lines after it; the
 * lines the checks need (the line after one read, the line before a stop or a held line) are read all the same.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { TransactionPage, TransactionRecord } from './transaction-log.js';
import { cursorText, olderThan, readPlace, toPage } from './transaction-cursor.js';
import { matchesQuery } from './transaction-query.js';
import { toTransactionRecord } from './transaction-allow-list.js';
import { LineOrder } from './transaction-log-order.js';
import type { ResolvedTransactionQuery } from './transaction-query.js';

/** The name of the file of one UTC day (`2026-11-30`). */
export function transactionFile(day: string): string {
  return `transactions-${day}.jsonl`;
}

const FILE = /^transactions-([0-9]{4}-[0-9]{2}-[0-9]{2})\.jsonl$/;
/** Milliseconds in a day: day files, retention. */
export const DAY_MS = 86_400_000;
/** Room for the wall clock and the latency's monotonic timer to disagree when a search is bounded by time. */
export const SLACK_MS = 1_000;

/** The field of a line written after a wall clock step back (see the file's opening comment); not part of the record. */
export const STEP_BACK = 'stepBack';

/** When a record's outcome came on the wall clock: `at + latencyMs`. */
export function settledOf(record: TransactionRecord): number {
  return record.at + (typeof record.latencyMs === 'number' ? record.latencyMs : 0);
}

/** The latest outcome (see {@link ReadLine}) in a day file, from its last record; undefined when it has none. */
export async function latestInFile(dir: string, file: DayFile): Promise<number | undefined> {
  let latest: number | undefined;
  await readLinesBackwards(join(dir, file.name), (line) => {
    const read = readLine(line, file);
    if (typeof read !== 'string') latest = read.latest;
    return typeof read !== 'string';
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return latest;
}

/** One day's file. */
export interface DayFile {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  /** The file's name in its folder. */
  name: string;
  /** The day's first millisecond. */
  start: number;
  /** The next day's first millisecond. */
  end: number;
}

/** The UTC day of a time, `YYYY-MM-DD`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The day files among the names of a folder's entries, newest first: `transactions-YYYY-MM-DD.jsonl` of a day that is a
 * date (`transactions-2026-13-01.jsonl` is no day file, and is never read).
 */
export function dayFilesIn(names: readonly string[]): DayFile[] {
  const out: DayFile[] = [];
  for (const name of names) {
    const m = FILE.exec(name);
    if (m === null) continue;
    const start = Date.parse(`${m[1] as string}T00:00:00Z`);
    if (!Number.isNaN(start)) out.push({ day: m[1] as string, name, start, end: start + DAY_MS });
  }
  return out.sort((a, b) => b.start - a.start);
}

/** The day files of a folder, newest first ({@link dayFilesIn}). */
export async function dayFiles(dir: string): Promise<DayFile[]> {
  return dayFilesIn(await readdir(dir));
}

/**
 * The day files a transaction log reads back when it opens its folder, of `days` (newest first, {@link dayFilesIn}):
 * the two newest (today's and yesterday's, those it appends to), for their latest outcomes (what lines written after
 * a clock step back are ordered by). Besides these, a start opens today's file ({@link transactionFile} of
 * {@link dayOf} now) for appending.
 */
export function readAtOpen(days: readonly DayFile[]): DayFile[] {
  return days.slice(0, 2);
}

/** Called with each line, last first; returns `true` to stop reading. */
export type LineVisitor = (line: string, offset: number) => boolean;

/** How much of a file is read at a time, from its end. */
const CHUNK = 1024 * 1024;

/**
 * Reads a file's complete lines (each ending with a newline) from the last to the first, in chunks. With `needle`
 * (asked again at each chunk), only the lines holding those bytes are visited: the chunk is searched for them, so that
 * a query for a STAN that is not there does not turn every line into text. Resolves `true` when the visitor stopped.
 */
export async function readLinesBackwards(path: string, visit: LineVisitor, needle?: () => Buffer | undefined): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    let pos = (await handle.stat()).size;
    // The bytes of the line cut by the chunk boundary (its end part), carried to the next (earlier) chunk.
    let carry = Buffer.alloc(0);
    let tail = true;
    while (pos > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      const buf = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await handle.read(buf, got, n - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const data = carry.length === 0 ? buf : Buffer.concat([buf, carry]);
      let end = data.length;
      if (tail) {
        // An unterminated last line: being written, or cut by a crash. Not a record (yet).
        const lastNewline = data.lastIndexOf(0x0a);
        if (lastNewline < 0) {
          carry = Buffer.alloc(0);
          continue;
        }
        tail = false;
        end = lastNewline;
      }
      const only = needle?.();
      if (only !== undefined && only.length > 0) {
        // The lines wholly in this chunk start after its first newline (at the file's start, at 0); the bytes before
        // it are the end of a line that began in an earlier chunk: carried.
        const firstNewline = data.indexOf(0x0a);
        const from = pos === 0 ? 0 : firstNewline < 0 || firstNewline >= end ? -1 : firstNewline + 1;
        if (from >= 0) {
          // Lines are visited last first, each once: `visited` is the start of the last one visited.
          let visited = end + 1;
          const lineAt = (start: number): boolean => {
            if (start >= visited) return false;
            visited = start;
            const next = data.indexOf(0x0a, start);
            // An empty line (a batch that failed before its first byte) is no line, as in a full read.
            return next !== start && visit(data.toString('utf8', start, next < 0 || next > end ? end : next), pos + start);
          };
          let hit = end - only.length >= from ? data.lastIndexOf(only, end - only.length) : -1;
          while (hit >= from) {
            const lineStart = hit === 0 ? 0 : data.lastIndexOf(0x0a, hit - 1) + 1;
            const next = data.indexOf(0x0a, hit);
            // The hit with the lines next to it in the chunk, for the check of their order (transaction-log-order.ts).
            if (next >= 0 && next < end && lineAt(next + 1)) return true;
            if (lineAt(lineStart)) return true;
            if (lineStart > from && lineAt(lineStart === 1 ? 0 : data.lastIndexOf(0x0a, lineStart - 2) + 1)) return true;
            // From the hit's own line back: the line before it, read just now, may hold the text too, and then the
            // line before that one is read as well (its neighbour, for the order check), not skipped over.
            const before = lineStart - 1 - only.length;
            hit = before >= from ? data.lastIndexOf(only, before) : -1;
          }
          end = pos === 0 ? 0 : firstNewline;
        }
      } else {
        // data[end] is a newline (or the end of what is left); lines lie between newlines.
        let i = end > 0 ? data.lastIndexOf(0x0a, end - 1) : -1;
        while (i >= 0) {
          if (end > i + 1 && visit(data.toString('utf8', i + 1, end), pos + i + 1)) return true;
          end = i;
          i = end > 0 ? data.lastIndexOf(0x0a, end - 1) : -1;
        }
      }
      carry = data.subarray(0, end);
      if (pos === 0 && carry.length > 0 && visit(carry.toString('utf8'), 0)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** A line of a day file read back: the record as the store keeps it, and the latest outcome up to its line. */
export interface ReadLine {
  record: TransactionRecord;
  /** When the latest outcome up to the line came: its own (`at + latencyMs`), or, with `stepBack`, the one before it. */
  latest: number;
}

/**
 * A line of `file` read back by the rule it was written by: JSON, rebuilt by the allow-list every store writes through
 * (`toTransactionRecord`: only the keys of a record, each value checked, the PAN masked; `stepBack` read apart, never
 * part of the record), its `at` in the file's UTC day (the file a record is written to). Else why not (no value of
 * the line in it): the line is damaged.
 */
export function readLine(line: string, file: DayFile): ReadLine | string {
  if (line.charCodeAt(0) !== 0x7b) return 'is not a record';
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return 'is not a record';
  }
  let record: TransactionRecord;
  try {
    record = toTransactionRecord(raw);
  } catch (err) {
    return `is not a record the log writes (${String((err as { field?: unknown }).field)})`;
  }
  if (record.at < file.start || record.at >= file.end) return 'is not of its file\'s day (its time is damaged)';
  const back = (raw as Record<string, unknown>)[STEP_BACK];
  return { record, latest: settledOf(record) + (typeof back === 'number' && back > 0 ? back : 0) };
}

/** The quick test of a line before it is parsed: the exact JSON text of every text filter must be in it. */
function needles(query: ResolvedTransactionQuery): string[] {
  const out: string[] = [];
  if (query.stan !== undefined) out.push(`"stan":${JSON.stringify(query.stan)}`);
  if (query.terminal !== undefined) out.push(`"terminal":${JSON.stringify(query.terminal)}`);
  if (query.rrn !== undefined) out.push(`"rrn":${JSON.stringify(query.rrn)}`);
  return out;
}

/** Options of {@link queryFolder}. */
export interface FolderQueryContext {
  /** Where corrupt lines are reported. */
  logger: Logger;
  /** `file:offset` of the corrupt lines reported already (each is reported once). */
  reported: Set<string>;
  /** Counts of the work done, added to by each query when given (none by default): what a query's cost is seen by. */
  counts?: FolderQueryCounts;
}

/** The work of the queries given the same {@link FolderQueryContext.counts}. */
export interface FolderQueryCounts {
  /** Lines parsed (JSON and the allow-list, {@link readLine}); lines passed over by a prefilter are not counted. */
  parsed: number;
}

/** The `at` a line starts with (`{"at":<digits>,`, as every record line is written), read without parsing it; else undefined. */
export function leadingAt(line: string): number | undefined {
  if (!line.startsWith('{"at":')) return undefined;
  let at = 0;
  let i = 6;
  for (; i < line.length && i < 22; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    at = at * 10 + (c - 0x30);
  }
  return i > 6 && line.charCodeAt(i) === 0x2c ? at : undefined;
}

/** The store letter of the file store's cursors (transaction-cursor.ts): `at`, then the line's byte offset in its day file. */
const CURSOR = 'f';

/** A record found, and the byte offset of its line in its day file (the file of its `at`): its place among equal `at`s. */
interface Found {
  record: TransactionRecord;
  offset: number;
}

/** Newest first: the later `at`, then the later line of the day file. */
const newestFirst = (a: Found, b: Found): number => b.record.at - a.record.at || b.offset - a.offset;

/**
 * The records of a folder's day files that match `query`, newest (`at`, then the later line of a day file) first, at
 * most `query.limit`, after the cursor `query.before` when given; with the cursor of the next page when full.
 */
export async function queryFolder(dir: string, query: ResolvedTransactionQuery, context: FolderQueryContext): Promise<TransactionPage> {
  const { limit } = query;
  const cursor = readPlace(CURSOR, query.before);
  const from = query.from ?? -Infinity;
  const to = Math.min(query.to ?? Infinity, cursor?.at ?? Infinity);
  const texts = needles(query);
  // Before `limit` records are found, only lines with the first filter's text are read (with `from` too: the day
  // files' bound and a stop at a line read still end the search).
  const first = texts[0] === undefined ? undefined : Buffer.from(texts[0]);
  const needle = (): Buffer | undefined => (floor === -Infinity ? first : undefined);
  let found: Found[] = [];
  // A lower bound of the `at` a record needs to be among the newest `limit` found so far (-Infinity: fewer found).
  let floor = -Infinity;
  const trim = (): void => {
    found.sort(newestFirst);
    found = found.slice(0, limit);
    if (found.length >= limit) floor = (found[limit - 1] as Found).record.at;
  };
  for (const file of await dayFiles(dir)) {
    if (file.start > to) continue;
    // Every record of this file and the older ones was accepted before the file's day ended.
    if (file.end <= from || file.end <= floor) break;
    const path = join(dir, file.name);
    const corrupt = (offset: number, why: string): void => {
      const key = `${path}:${offset}`;
      if (context.reported.has(key)) return;
      context.reported.add(key);
      context.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT', file: path, offset }, `a line of the transaction log ${why}`);
    };
    // The line the search would stop at, kept until the line read next confirms it (see the file's opening comment).
    let stop: { latest: number; offset: number } | undefined;
    const take = (read: ReadLine, offset: number): boolean => {
      const { record, latest } = read;
      if (stop !== undefined) {
        // An earlier line settled no later than the line it follows: the stop stands. One that settled later says the
        // stop's `at` is damaged (a flipped digit): it is reported and skipped, and the search goes on.
        if (settledOf(record) <= stop.latest + SLACK_MS) return true;
        corrupt(stop.offset, 'settled before the lines written ahead of it (its time is damaged): not the end of the search');
        stop = undefined;
      }
      // Lines before this one settled no later (give or take the clock's drift between `at` and the latency's timer):
      // accepted before `from`, or older than every record kept; once the line read next agrees.
      if (latest < from - SLACK_MS || latest < floor - SLACK_MS) {
        stop = { latest, offset };
        return false;
      }
      // Lines are read last first: one of the same `at` as the floor found now is older than those kept (its offset is lower).
      if (record.at > to || !matchesQuery(record, query) || record.at <= floor || !olderThan({ at: record.at, tie: offset }, cursor)) return false;
      found.push({ record, offset });
      if (found.length >= limit * 2 || (found.length === limit && floor === -Infinity)) trim();
      return false;
    };
    // A line out of the order it was written in (its `at` damaged into a later time) is found, reported and skipped.
    const order = new LineOrder(take, (offset, why) => corrupt(offset, why), SLACK_MS);
    const full = (line: string, offset: number, bytes: number): boolean => {
      if (context.counts !== undefined) context.counts.parsed += 1;
      const read = readLine(line, file);
      if (typeof read === 'string') corrupt(offset, `${read}: skipped`);
      return order.line(typeof read === 'string' ? undefined : read, offset, bytes);
    };
    // The line passed over last (see below), while it is the last line read.
    let passed: { line: string; offset: number; bytes: number } | undefined;
    const stopped = await readLinesBackwards(path, (line, offset) => {
      const bytes = Buffer.byteLength(line);
      // A line accepted after `to` (the cursor's `at` when paging) is not of this page: passed over by its leading `at`,
      // unparsed, unless a check needs it as a neighbour: the line before a stop or a held line (their confirmation),
      // or the line after one read (read first, when that one is).
      const at = stop === undefined && !order.holding ? leadingAt(line) : undefined;
      if (at !== undefined && at > to) {
        passed = { line, offset, bytes };
        return false;
      }
      const after = passed;
      passed = undefined;
      if (after !== undefined && after.offset === offset + bytes + 1 && full(after.line, after.offset, after.bytes)) return true;
      return full(line, offset, bytes);
    }, needle).catch((err: NodeJS.ErrnoException) => {
      // Pruned while being read: its records are gone, as asked.
      if (err.code !== 'ENOENT') throw err;
      return true;
    });
    if (!stopped) order.end();
  }
  trim();
  const last = found.at(-1);
  return toPage(
    found.map((f) => f.record),
    limit,
    () => cursorText(CURSOR, (last as Found).record.at, (last as Found).offset),
  );
}
