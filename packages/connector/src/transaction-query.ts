/**
 * Transaction queries: the filters of {@link TransactionQuery} checked (one coded error naming the parameter), the
 * defaults filled in, and the same filters read from text (`GET /transactions?stan=&terminal=&rrn=&from=&to=&limit=&before=`,
 * `iso8583 transactions --stan ...`): `from` and `to` as ISO 8601 or milliseconds since the epoch, a STAN of fewer
 * than 6 digits padded with zeros as it travels (field 11 is n 6).
 */
import { connectorError } from './errors.js';
import { MAX_TRANSACTION_TIME, hasControl, longestText } from './transaction-allow-list.js';
import { MAX_CURSOR_LENGTH } from './transaction-cursor.js';
import type { TransactionQuery, TransactionRecord } from './transaction-log.js';

/** Records a query returns when it gives no `limit`. */
export const DEFAULT_QUERY_LIMIT = 100;
/** The most records one query returns. */
export const MAX_QUERY_LIMIT = 10_000;

/** A query with its defaults: every filter present or `undefined`, `limit` set. */
export interface ResolvedTransactionQuery extends TransactionQuery {
  /** At most this many records. */
  limit: number;
}

/** The parameters a query takes, in the order the errors and the help name them. */
export const QUERY_PARAMETERS = ['stan', 'terminal', 'rrn', 'from', 'to', 'limit', 'before'] as const;

function bad(parameter: string, reason: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', reason, { field: parameter });
}

/**
 * Text of 1 to `max` characters without a control character: the allow-list's rule for what a record holds
 * (`hasControl`), so that every terminal or RRN a record keeps (`TÉST001`: fields 41 and 37 are ans) can be asked for.
 */
function textFilter(value: unknown, parameter: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max || hasControl(value)) {
    throw bad(parameter, `must be 1 to ${max} printable characters`);
  }
  return value;
}

function timeFilter(value: unknown, parameter: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_TRANSACTION_TIME) {
    throw bad(parameter, 'must be a time in milliseconds since the epoch (an integer from 0 to the end of year 9999)');
  }
  return value;
}

/**
 * Checks a query and fills in its defaults (`limit` 100). Throws `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming the
 * first bad parameter: a STAN that is not 1 to 6 digits, a terminal (field 41) or RRN (field 37) that is not 1 to 8
 * or 12 printable characters (what a record keeps: a longer filter could match none), a time that is not an integer from 0 to the end of year 9999, `from` after `to`, a limit not 1 to 10000,
 * a `before` that is not a cursor's text (whether it is one of the store's own, the store checks).
 */
export function checkTransactionQuery(query: TransactionQuery = {}): ResolvedTransactionQuery {
  if (query === null || typeof query !== 'object') throw bad('query', 'must be an object');
  let stan = query.stan;
  if (stan !== undefined) {
    if (typeof stan !== 'string' || !/^[0-9]{1,6}$/.test(stan)) throw bad('stan', 'must be 1 to 6 digits');
    stan = stan.padStart(6, '0');
  }
  const terminal = textFilter(query.terminal, 'terminal', longestText('terminal'));
  const rrn = textFilter(query.rrn, 'rrn', longestText('rrn'));
  const from = timeFilter(query.from, 'from');
  const to = timeFilter(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to) throw bad('from', 'must not be after to');
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) throw bad('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
  const before = query.before;
  if (before !== undefined && (typeof before !== 'string' || !/^[a-z0-9._]+$/.test(before) || before.length > MAX_CURSOR_LENGTH)) {
    throw bad('before', 'is not a cursor (give the `next` of a page)');
  }
  return { stan, terminal, rrn, from, to, limit, before };
}

const ISO_TIME_HELP = 'must be ISO 8601, a date (2026-11-30) or a time with Z or an offset (2026-11-30T21:00:00Z, 2026-11-30T23:00:00+02:00), or milliseconds since the epoch';

/** Days in `month` (1-12) of `year` (proleptic Gregorian). */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A time given as text: digits are milliseconds since the epoch; otherwise ISO 8601, either a date (`2026-11-30`,
 * midnight UTC) or a date and time with `Z` or an offset (`2026-11-30T21:00:00Z`, `...+02:00`): a time without one
 * would be read in the server's zone, and is refused. Every part must exist (`2026-02-30`, hour 24 and minute 60 are
 * refused, never rolled over into the next month, day or hour). A bad time is `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY`
 * naming `parameter` (400 on `GET /transactions`).
 */
export function parseTime(text: string, parameter: string): number {
  if (/^[0-9]{1,16}$/.test(text)) return Number(text);
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?(Z|[+-]([0-9]{2}):?([0-9]{2})))?$/.exec(text);
  if (m === null) throw bad(parameter, ISO_TIME_HELP);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const [offsetHours, offsetMinutes] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    throw bad(parameter, `${ISO_TIME_HELP}; this date or time does not exist`);
  }
  const ms = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text.replace(' ', 'T'));
  if (Number.isNaN(ms) || ms < 0) throw bad(parameter, ISO_TIME_HELP);
  return ms;
}

/**
 * A query from text parameters (an HTTP query string, command-line flags): unknown parameters and parameters given
 * twice are refused. A filter given twice is named; an unknown key is not (field `query`): it is whatever the client
 * sent, a track or a PAN as easily as a misspelt filter. The result is checked ({@link checkTransactionQuery}).
 */
export function parseTransactionQuery(params: Record<string, unknown>): ResolvedTransactionQuery {
  const query: TransactionQuery = {};
  for (const [name, raw] of Object.entries(params)) {
    if (raw === undefined) continue;
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name)) throw bad('query', `names an unknown filter (the filters: ${QUERY_PARAMETERS.join(', ')})`);
    if (typeof raw !== 'string') throw bad(name, 'must be given once');
    switch (name) {
      case 'stan':
      case 'terminal':
      case 'rrn':
      case 'before':
        query[name] = raw;
        break;
      case 'from':
      case 'to':
        query[name] = parseTime(raw, name);
        break;
      case 'limit':
        if (!/^[0-9]{1,6}$/.test(raw)) throw bad('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
        query.limit = Number(raw);
        break;
    }
  }
  return checkTransactionQuery(query);
}

/** Whether a record passes the filters of a query (every filter given must match). */
export function matchesQuery(record: TransactionRecord, query: ResolvedTransactionQuery): boolean {
  return (
    (query.stan === undefined || record.stan === query.stan) &&
    (query.terminal === undefined || record.terminal === query.terminal) &&
    (query.rrn === undefined || record.rrn === query.rrn) &&
    (query.from === undefined || record.at >= query.from) &&
    (query.to === undefined || record.at <= query.to)
  );
}
