/**
 * `iso8583 transactions`: the transaction log queried with the filters of `GET /transactions` (stan, terminal, rrn,
 * from, to, limit, before), newest first, a page at a time (a full page prints its cursor on stderr), from a store folder (`--journal-dir`, the gateway's by default; read without
 * locking, beside a running gateway) or from a running gateway over HTTP (`--url`). Prints a table, or `--json`.
 */
import { readdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { FileTransactionLog, dayFilesIn, defaultJournalDir, parseTransactionQuery, toTransactionRecord } from '@iso8583/connector';
import type { ResolvedTransactionQuery, TransactionPage, TransactionRecord } from '@iso8583/connector';
import { Iso8583Error, isMaskedPan, maskPan } from '@iso8583/codec';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Iso8583ErrorCode } from '@iso8583/codec';
import { cliError, parseCommandArgs } from '../args.js';
import { CONSOLE_ROWS, flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import { readHttpToken } from '../console/access.js';
import type { FlagRow } from '../flag-table.js';
import type { CommandIo } from '../io.js';
import { printable, processIo, writeText } from '../io.js';

const ROWS: readonly FlagRow[] = [
  { flag: 'stan', kind: 'string', arg: 'STAN', help: 'field 11 (1 to 6 digits, padded with zeros)' },
  { flag: 'terminal', kind: 'string', arg: 'TID', help: 'field 41, the terminal id (1 to 8 characters)' },
  { flag: 'rrn', kind: 'string', arg: 'RRN', help: 'field 37, the retrieval reference number (1 to 12 characters)' },
  { flag: 'from', kind: 'string', arg: 'TIME', help: 'accepted at or after TIME (ISO 8601 or ms since the epoch)' },
  { flag: 'to', kind: 'string', arg: 'TIME', help: 'accepted at or before TIME (ISO 8601 or ms since the epoch)' },
  { flag: 'limit', kind: 'string', arg: 'N', defaultText: '100 (at most 10000)', help: 'at most N records' },
  { flag: 'before', kind: 'string', arg: 'CURSOR', help: 'the records after a page: the cursor printed with it (next page: --before CURSOR)' },
  {
    flag: 'journal-dir',
    kind: 'string',
    arg: 'DIR',
    defaultText: 'the gateway\'s: $XDG_STATE_HOME/iso8583/upstream, else ~/.local/state/iso8583/upstream',
    help: 'the folder of the transaction log (the gateway\'s --reversal-journal)',
  },
  { flag: 'url', kind: 'string', arg: 'URL', help: 'ask a running gateway instead: its HTTP address (http://127.0.0.1:8080)' },
  ...CONSOLE_ROWS.filter((r) => r.flag === 'http-token' || r.flag === 'http-token-file').map((r) => ({
    ...r,
    defaultText: r.flag === 'http-token' ? 'none sent' : undefined,
    help: r.flag === 'http-token' ? 'with --url: the gateway\'s --http-token, sent as Authorization: Bearer TOKEN' : r.help,
  })),
  { flag: 'json', kind: 'boolean', default: false, help: 'print the records as JSON (an array) instead of a table' },
];

/** The help text of `iso8583 transactions`. */
export const TRANSACTIONS_HELP = `Usage: iso8583 transactions [filters] [--journal-dir DIR | --url URL [--http-token TOKEN]] [--json]

Shows the transaction log, newest first: every request the gateway handled with its outcome (approved, declined,
timeout, error), and each SAF entry's end (reversed, delivered, expired, abandoned), the PAN masked (first 6 and last 4 digits). Reads the log's folder (safe beside a running
gateway) or asks a running gateway (GET /transactions).

${flagHelp(ROWS)}

Examples:
  iso8583 transactions --stan 618160 --terminal 00992468
  iso8583 transactions --from 2026-11-30T00:00:00Z --json
`;

/** The form of this project's error codes (`ISO8583_ERR_...`, `ISO8583_WARN_...`). */
const ERROR_CODE = /^ISO8583_[A-Z0-9_]{1,96}$/;

/** The coded error of an answer that is not 2xx: `{ error: { code, message } }` (401) or `{ errors: [...] }` (routes). */
function answerError(origin: string, status: number, body: unknown): Iso8583Error {
  const b = (body ?? {}) as { error?: { code?: unknown; message?: unknown }; errors?: { code?: unknown; message?: unknown }[] };
  const first = b.error ?? b.errors?.[0];
  const hint = status === 401 ? ' (give --http-token or --http-token-file)' : '';
  // Only a code of this project's form is passed through; the message and the field are the answer's text, printed on
  // stderr: a control character in them shows as `?` (no line forged, no escape sequence run by the terminal).
  if (typeof first?.code !== 'string' || !ERROR_CODE.test(first.code)) {
    return new Iso8583Error('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', `${origin} answered HTTP ${status} without a coded error${hint}`, { field: '--url' });
  }
  const message = typeof first.message === 'string' ? printable(first.message) : 'failed';
  const field = (first as { field?: unknown }).field;
  const refused = new Iso8583Error(first.code as Iso8583ErrorCode, `${origin} answered HTTP ${status}: ${message}${hint}`, {
    field: typeof field === 'string' ? printable(field) : (field as string),
  });
  return queryRefused(refused) ?? new Iso8583Error(refused.code, refused.message, { field: '--url' });
}

/**
 * A query's error (`ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming a filter: a malformed value, or a cursor the store
 * refuses, read here or by the gateway) as the error of its flag, `ISO8583_ERR_CLI_OPTION` naming `--FILTER`: one code
 * for every bad filter, wherever it was found. Anything else: undefined.
 */
function queryRefused(err: unknown): Iso8583Error | undefined {
  const e = err as { code?: unknown; field?: unknown; message?: unknown } | undefined;
  if (e?.code !== 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' || typeof e.field !== 'string' || e.field === 'query') return undefined;
  const message = String(e.message);
  return cliError('ISO8583_ERR_CLI_OPTION', message.startsWith(`${e.field}:`) ? `--${message}` : `--${e.field}: ${message}`, `--${e.field}`);
}

/** Reads the records from a running gateway's `GET /transactions`, with `Authorization: Bearer` when a token is given. */
async function fromUrl(url: string, query: ResolvedTransactionQuery, token: string | undefined): Promise<TransactionPage> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw cliError('ISO8583_ERR_CLI_OPTION', '--url must be an http:// or https:// address', '--url');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw cliError('ISO8583_ERR_CLI_OPTION', '--url must be an http:// or https:// address', '--url');
  const target = new URL(`${base.pathname.replace(/\/$/, '')}/transactions`, base);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) target.searchParams.set(k, String(v));
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(target, {
      signal: AbortSignal.timeout(30_000),
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    body = await response.json().catch(() => undefined);
  } catch (err) {
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    throw new Iso8583Error('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', `the transaction log at ${base.origin} cannot be read (${typeof code === 'string' ? code : 'no answer'})`, {
      field: '--url',
    });
  }
  if (!response.ok) throw answerError(base.origin, response.status, body);
  const result = (body as { result?: unknown } | undefined)?.result;
  if (!Array.isArray(result)) throw new Iso8583Error('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', `the answer of ${base.origin} holds no records`, { field: '--url' });
  const page = result.map(shownRecord) as TransactionPage;
  const next = (body as { next?: unknown }).next;
  // Printed on stderr as it came: a control character in it shows as `?` (no cursor of a store holds one).
  if (typeof next === 'string') page.next = printable(next);
  return page;
}

/** The keys the table shows: all a record printed from a gateway's answer keeps when it is not a valid record. */
const SHOWN_KEYS = ['at', 'mti', 'stan', 'terminal', 'rrn', 'pan', 'amount', 'currency', 'responseCode', 'outcome', 'errorCode', 'latencyMs', 'upstream', 'node'] as const;

/**
 * A record of a gateway's answer as it is printed: what a store keeps of it (`toTransactionRecord`: a record's keys
 * only, the PAN masked); one that is not a valid record, its {@link SHOWN_KEYS} only, the PAN masked (or left out
 * when it is not text). Whatever answered, no full card number and no key a record cannot hold (track data, say)
 * reaches the output.
 */
function shownRecord(entry: unknown): Partial<TransactionRecord> {
  try {
    return toTransactionRecord(entry);
  } catch {
    // Damaged: shown with empty cells where a value is missing or of another type.
  }
  const source = (entry !== null && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of SHOWN_KEYS) if (source[key] !== undefined) out[key] = source[key];
  if (typeof out.pan !== 'string') delete out.pan;
  else if (!isMaskedPan(out.pan)) out.pan = maskPan(out.pan);
  return out as Partial<TransactionRecord>;
}

/**
 * The logger of a folder's read: each coded warning it gives (a damaged line skipped:
 * `ISO8583_WARN_TRANSACTION_LOG_CORRUPT` with its file and byte offset, never a value) as one
 * `iso8583: warning: CODE: ...` line on `stderr`, so that a table missing a record says so.
 */
function warningsTo(stderr: Writable): Logger {
  const write = (line: string): void => {
    const { level: _level, msg, code, ...where } = JSON.parse(line) as Record<string, unknown>;
    const at = Object.entries(where).map(([key, value]) => `${key} ${String(value)}`);
    stderr.write(`iso8583: warning: ${printable(`${String(code)}: ${String(msg)}${at.length > 0 ? ` (${at.join(', ')})` : ''}`)}\n`);
  };
  return pino({ level: 'warn', base: null, timestamp: false }, { write });
}

/** Reads the records from a store folder, without locking it; its warnings on `stderr`. */
async function fromFolder(dir: string, query: ResolvedTransactionQuery, stderr: Writable): Promise<TransactionPage> {
  const log = new FileTransactionLog(dir, { readOnly: true, logger: warningsTo(stderr) });
  await log.open();
  try {
    return await log.query(query);
  } finally {
    await log.close();
  }
}

/** The warning of a folder that holds no transaction log file. */
export const TRANSACTIONS_NO_FILES = 'ISO8583_WARN_TRANSACTIONS_NO_FILES';

/**
 * Writes `iso8583: warning: ISO8583_WARN_TRANSACTIONS_NO_FILES: ...` to `stderr` when `dir` holds no day file
 * (`transactions-YYYY-MM-DD.jsonl`): an empty table read from it says nothing about whether a
 * transaction happened (a node with `--store` keeps its log in PostgreSQL, `iso8583_transactions`; another folder, a
 * folder restored empty). Nothing when it holds one.
 */
async function warnNoDayFiles(dir: string, stderr: Writable): Promise<void> {
  // A folder that cannot be listed: the log's open says why (ISO8583_ERR_CONNECTOR_TRANSACTION_LOG, no folder).
  const names = await readdir(dir).catch(() => undefined);
  if (names === undefined || dayFilesIn(names).length > 0) return;
  await writeText(
    stderr,
    `iso8583: warning: ${TRANSACTIONS_NO_FILES}: --journal-dir ${printable(dir)} holds no transaction log file (transactions-YYYY-MM-DD.jsonl): no record here is no proof that a ` +
      'transaction never happened; a node with --store keeps its log in PostgreSQL (iso8583_transactions: query it, or give --url of a running node)\n',
  );
}

/**
 * A cell of a record's value: text as it is, each control character shown as `?`; a finite number as digits;
 * anything else (missing, damaged) empty.
 */
function cell(value: unknown): string {
  return typeof value === 'string' ? printable(value) : typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** `at` as ISO 8601; empty when it is not a time a `Date` holds (a gateway's answer is not trusted to be a record). */
function timeCell(at: unknown): string {
  const date = new Date(typeof at === 'number' ? at : Number.NaN);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

const COLUMNS: readonly [string, (r: Partial<TransactionRecord>) => string][] = [
  ['TIME', (r) => timeCell(r.at)],
  ['MTI', (r) => cell(r.mti)],
  ['STAN', (r) => cell(r.stan)],
  ['TERMINAL', (r) => cell(r.terminal)],
  ['RRN', (r) => cell(r.rrn)],
  ['PAN', (r) => cell(r.pan)],
  ['AMOUNT', (r) => (r.amount === undefined ? '' : `${cell(r.amount)}${r.currency === undefined ? '' : ` ${cell(r.currency)}`}`)],
  ['RC', (r) => cell(r.responseCode)],
  ['OUTCOME', (r) => (r.errorCode === undefined ? cell(r.outcome) : `${cell(r.outcome)} ${cell(r.errorCode)}`)],
  ['MS', (r) => (typeof r.latencyMs === 'number' ? cell(Math.round(r.latencyMs)) : '')],
  ['UPSTREAM', (r) => cell(r.upstream)],
  ['NODE', (r) => cell(r.node)],
];

/** The records as an aligned text table (a header line, one line per record; a value missing or not of its type: an empty cell). */
export function transactionTable(records: readonly Partial<TransactionRecord>[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...records.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * JSON text of `value` (indented by 2) with DEL and the C1 controls (U+007F-U+009F) written as `\\u` escapes, which
 * `JSON.stringify` leaves raw: a CSI (U+009B) in a field from a gateway would otherwise reach the terminal as one. Still
 * valid JSON, the same value when parsed.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Runs `iso8583 transactions`; resolves to the exit code. */
export async function transactionsCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values, help } = parseCommandArgs(argv, flagSpecs(ROWS), 0);
  if (help) {
    await writeText(io.stdout, TRANSACTIONS_HELP);
    return 0;
  }
  const own = readFlagTable(ROWS, values);
  if (own.url !== undefined && own['journal-dir'] !== undefined) {
    throw cliError('ISO8583_ERR_CLI_USAGE', '--url and --journal-dir name two sources: give one', '--url');
  }
  let query: ResolvedTransactionQuery;
  try {
    query = parseTransactionQuery({ stan: own.stan, terminal: own.terminal, rrn: own.rrn, from: own.from, to: own.to, limit: own.limit, before: own.before });
  } catch (err) {
    // The query's own error, named as the flag.
    throw queryRefused(err) ?? err;
  }
  const token = readHttpToken(own['http-token'] as string | undefined, own['http-token-file'] as string | undefined);
  if (token !== undefined && own.url === undefined) {
    throw cliError('ISO8583_ERR_CLI_USAGE', 'a token is sent to a gateway: give --url with it', own['http-token'] !== undefined ? '--http-token' : '--http-token-file');
  }
  const dir = own.url === undefined ? ((own['journal-dir'] as string | undefined) ?? defaultJournalDir('upstream')) : undefined;
  if (dir !== undefined) await warnNoDayFiles(dir, io.stderr);
  const records = await (dir === undefined ? fromUrl(own.url as string, query, token) : fromFolder(dir, query, io.stderr)).catch(
    (err: unknown) => {
      // A cursor of the right form that the store refuses (not one of its own, out of range): the flag's error too.
      throw queryRefused(err) ?? err;
    },
  );
  await writeText(io.stdout, own.json === true ? `${terminalSafeJson(records)}\n` : transactionTable(records));
  // A full page: how to read on (on stderr, so that the table or the JSON stays what it was).
  if (records.next !== undefined) await writeText(io.stderr, `next page: --before ${records.next}\n`);
  return 0;
}
