/**
 * The SQL of the transaction log's table (`iso8583_transactions`): the COPY that stores a batch, with its rows in COPY's
 * text format (see copy.ts; one column per value of an allow-listed record), the statement of a query and the record
 * a row of it holds.
 */
import type { TransactionRecord } from '../transaction-log.js';
import type { ResolvedTransactionQuery } from '../transaction-query.js';
import { PlainRecord } from '../plain-record.js';
import { TRANSACTION_TEXT_KEYS, toTransactionRecord, transactionValues } from '../transaction-allow-list.js';
import { copyText } from './copy.js';
import { cursorText, readCursor } from '../transaction-cursor.js';
import { TRANSACTION_KEYS } from './schema-transactions.js';
import { BATCH_TOKENS } from './batch-token.js';

/** The column of each text key of a record (TRANSACTION_TEXT_KEYS), by key. */
const COLUMN_OF: Record<string, string> = {
  node: 'node',
  upstream: 'upstream',
  mti: 'mti',
  responseMti: 'response_mti',
  pan: 'pan',
  processingCode: 'processing_code',
  amount: 'amount',
  currency: 'currency',
  transmissionTime: 'transmission_time',
  stan: 'stan',
  localTime: 'local_time',
  localDate: 'local_date',
  rrn: 'rrn',
  authCode: 'auth_code',
  responseCode: 'response_code',
  terminal: 'terminal',
  merchant: 'merchant',
  errorCode: 'error_code',
};

/** The text columns, side by side with TRANSACTION_TEXT_KEYS. */
const TEXT_COLUMNS: readonly string[] = TRANSACTION_TEXT_KEYS.map((key) => {
  const column = COLUMN_OF[key];
  if (column === undefined) throw new Error(`no column for the record key ${key}`);
  return column;
});

/**
 * One COPY per batch (copy.ts): the server takes the rows as text, with no statement to plan and no expression per
 * row. Each value of a record has a column of its own (schema version 101): a row is the values alone, a third of the
 * bytes of the record as JSON, and the server checks no JSON. `record` (the JSON of version 100) stays NULL.
 */
export const TRANSACTION_COPY = copyInto(['at', 'latency_ms', 'outcome', ...TEXT_COLUMNS]);

/** The columns of {@link TRANSACTION_COPY}, in the order of a row's values (what a spill names: spill-file.ts). */
export const TRANSACTION_COLUMNS: readonly string[] = ['at', 'latency_ms', 'outcome', ...TEXT_COLUMNS];

/** The COPY that stores rows of `columns` (names checked by the caller: written into the text) into the log's table. */
export function copyInto(columns: readonly string[]): string {
  return `COPY iso8583_transactions (${columns.join(', ')}) FROM STDIN`;
}

/** The second whose text {@link copyTimestamp} made last, and that text up to the milliseconds (`2026-11-30T21:00:00.`). */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * A record's time (ms since the epoch, maybe with a fraction) as COPY text for a `timestamptz`: UTC, ISO 8601, to the
 * microsecond (the column's precision), so that the column holds what `to_timestamp(at / 1000)` would. Records come in
 * time order: the text of the date and the second is made once per second, not per record.
 */
export function copyTimestamp(at: number): string {
  let ms = Math.floor(at);
  // at - floor(at) is exact: the fraction is rounded once, to microseconds.
  let us = Math.round((at - ms) * 1000);
  if (us === 1000) {
    ms += 1;
    us = 0;
  }
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    cachedSecond = second;
  }
  const m = ms - second * 1000;
  const milli = m < 10 ? `00${m}` : m < 100 ? `0${m}` : `${m}`;
  return us === 0 ? `${cachedPrefix}${milli}Z` : `${cachedPrefix}${milli}${us < 10 ? `00${us}` : us < 100 ? `0${us}` : us}Z`;
}

/**
 * One record as a row of {@link TRANSACTION_COPY} in COPY's text format, ending with its newline: the record goes through
 * the allow-list (`transactionValues`: refused with `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the key, the PAN
 * masked); `node`, when given, replaces the record's.
 */
export function copyLine(input: TransactionRecord, node?: string): string {
  const v = transactionValues(input, node);
  // The texts are checked free of control characters (no tab, newline or CR): only backslashes to double.
  let row = `${copyTimestamp(v.at)}\t${v.latencyMs}\t${v.outcome}`;
  const texts = v.texts;
  for (let i = 0; i < texts.length; i++) row += `\t${copyText(texts[i])}`;
  return `${row}\n`;
}

/**
 * A row of a query: the record as JSON (rows of schema version 100), else its values, one column each; and its place
 * (`cursor_at`, `at` in microseconds, and `cursor_seq`: bigints, as text; named apart from the columns, which ORDER BY names) for the cursor of a page.
 */
export type StoredRow = { record: TransactionRecord | null; at_ms: number; latency_ms: number; outcome: TransactionRecord['outcome']; cursor_at: string; cursor_seq: string } & Record<string, unknown>;

/**
 * `at` in microseconds since the epoch, exactly (whole seconds and the microseconds of the second apart: `extract`
 * gives a float8 before PostgreSQL 14, which cannot hold 16 digits).
 */
const AT_US = "(extract(epoch FROM date_trunc('second', at))::bigint * 1000000 + extract(microseconds FROM at)::bigint % 1000000)";

/** The columns a query reads (see {@link StoredRow}): `at` back in ms since the epoch, to the microsecond. */
const SELECTED = `record, (extract(epoch FROM at) * 1000)::float8 AS at_ms, latency_ms, outcome, ${TEXT_COLUMNS.join(', ')}, ${AT_US}::text AS cursor_at, seq::text AS cursor_seq`;

/** The store letter of PostgreSQL's cursors (transaction-cursor.ts): `at` in microseconds, then `seq`. */
const CURSOR = 'p';

/** The cursor of a page whose last row is `row`. */
export function rowCursor(row: StoredRow): string {
  return cursorText(CURSOR, row.cursor_at, row.cursor_seq);
}

/**
 * The record a query row holds, read back through the allow-list it was written through (`toTransactionRecord`: only
 * the keys of a record, each value checked, the PAN masked), as the file store reads its lines: a row the log did not
 * write (restored from elsewhere, written by hand or by another program) never serves a key of its JSON outside the
 * record (track data, field 55) nor a full PAN. `at` to the microsecond, the keys in the allow-list's order. Throws
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` (naming the key, never its value) for a row the allow-list refuses.
 */
export function storedRecord(row: StoredRow): TransactionRecord {
  // Rows of schema version 100: the record as JSON.
  if (row.record !== null) return toTransactionRecord(row.record);
  const out = new PlainRecord();
  out['at'] = row.at_ms;
  out['latencyMs'] = row.latency_ms;
  out['outcome'] = row.outcome;
  for (let i = 0; i < TEXT_COLUMNS.length; i++) {
    const value = row[TEXT_COLUMNS[i] as string];
    if (value !== null && value !== undefined) out[TRANSACTION_TEXT_KEYS[i] as string] = value;
  }
  return toTransactionRecord(out);
}

/**
 * The statement of a query: a fixed text with one placeholder per filter (values are never put in the text), newest
 * first (`at DESC, seq DESC`): the primary key's order read backward, a terminal's index read in its order, or the few
 * rows the STAN and RRN index finds, sorted (schema-transactions.ts).
 */
export function transactionQuerySql(q: ResolvedTransactionQuery): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown): void => {
    values.push(value);
    where.push(condition.replaceAll('?', `$${values.length}`));
  };
  // A STAN or an RRN through the GIN index on both (schema-transactions.ts), the equality keeping the rows where the
  // value is that one.
  if (q.stan !== undefined) add(`${TRANSACTION_KEYS} @> ARRAY[?::text] AND stan = ?`, q.stan);
  if (q.terminal !== undefined) add('terminal = ?', q.terminal);
  if (q.rrn !== undefined) add(`${TRANSACTION_KEYS} @> ARRAY[?::text] AND rrn = ?`, q.rrn);
  if (q.from !== undefined) add('at >= ?::timestamptz', new Date(q.from).toISOString());
  if (q.to !== undefined) add('at <= ?::timestamptz', new Date(q.to).toISOString());
  if (q.before !== undefined) {
    // The primary key's order: (at, seq) before the cursor's, `at` rebuilt from its microseconds exactly.
    const { at, tie } = readCursor(CURSOR, q.before, 'us');
    values.push(at, tie);
    where.push(`(at, seq) < (to_timestamp(0) + $${values.length - 1}::bigint * interval '1 microsecond', $${values.length}::bigint)`);
  }
  values.push(q.limit);
  const filter = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT ${SELECTED} FROM iso8583_transactions${filter} ORDER BY at DESC, seq DESC LIMIT $${values.length}`, values };
}

/**
 * `prune`'s statement: the oldest rows before `$1` (a timestamptz), at most `$2` of them, found and deleted by the
 * primary key `(at, seq)`. By key, not by row address (`ctid`): an address is unique only within one table, and a
 * table partitioned by month has one per partition, so a `ctid` of an old row also names current rows elsewhere.
 * No locking clause (`FOR UPDATE SKIP LOCKED` needs the UPDATE privilege, which an append-only role has not): a row
 * another session holds locked is waited for at most {@link PRUNE_LOCK_WAIT} (`SET LOCAL lock_timeout`), then the
 * prune ends (SQLSTATE 55P03) and the next one takes the rows. Sent as {@link pruneChunkSql} makes it.
 */
export const TRANSACTION_PRUNE =
  'DELETE FROM iso8583_transactions WHERE (at, seq) IN (SELECT at, seq FROM iso8583_transactions WHERE at < $1::timestamptz ORDER BY at, seq LIMIT $2)';

/** `prune`'s statement for the batch tokens (batch-token.ts) older than `$1` a node left behind when it stopped or died. */
export const BATCH_TOKENS_PRUNE = `DELETE FROM ${BATCH_TOKENS} WHERE at < $1::timestamptz`;

/**
 * How long (ms) a prune's statement waits for a row another session holds locked (a report, a manual fix left open)
 * before the prune ends, retried at the next: 1,000 (or the log's own lock wait when shorter). A stop never waits
 * longer for a prune.
 */
export const PRUNE_LOCK_WAIT = 1000;

/**
 * One step of `prune` as one round trip: `SET LOCAL lock_timeout = lockWait` then `sql` ({@link TRANSACTION_PRUNE} or
 * {@link BATCH_TOKENS_PRUNE}) with `$1` the `cutoff` (an ISO time, `Date.toISOString`) and `$2` the `limit`, in one
 * simple query: its statements run in one implicit transaction, committed by the server once the last succeeds and
 * rolled back whole when one fails (no `ROLLBACK` needed: the session is idle either way). Its values are written in
 * (a simple query has no parameters), each checked first: they are the prune's own, never a caller's text. The lock
 * wait is set before the delete is even planned, so that it bounds the wait for the table's lock too (a setting
 * inside the statement, `set_config` in a CTE, took effect only after that). It was three round trips (`BEGIN; SET
 * LOCAL`, the delete, `COMMIT`).
 */
export function pruneChunkSql(sql: string, cutoff: string, limit: number, lockWait: number): string {
  if (!ISO_TIME.test(cutoff)) throw new Error('pruneChunkSql: the cutoff must be an ISO time (Date.toISOString)');
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(lockWait) || lockWait < 1) throw new Error('pruneChunkSql: limit and lockWait must be positive integers');
  const text = sql.replaceAll('$1', `'${cutoff}'`).replaceAll('$2', String(limit));
  return `SET LOCAL lock_timeout = ${lockWait}; ${text}`;
}

/** What `Date.toISOString` makes (years 0000 to 9999). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The privileges the log's role needs on its two tables to prune (named by a prune refused for want of one). */
export const PRUNE_PRIVILEGES = `SELECT and DELETE on iso8583_transactions and ${BATCH_TOKENS}`;
