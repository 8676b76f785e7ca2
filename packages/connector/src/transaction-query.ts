/**
 * Transaction queries: the filters of {@link TransactionQuery} checked (one coded error naming the parameter), the
 * defaults filled in, and the same filters read from text (`GET /transactions?stan=&terminal=&rrn=&from=&to=&limit=`,
 * `iso8583 transactions --stan ...`): `from` and `to` as ISO 8601 or milliseconds since the epoch, a STAN of fewer
 * than 6 digits padded with zeros as it travels (field 11 is n 6).
 */
import { connectorError } from './errors.js';
import { MAX_TRANSACTION_TIME } from './transaction-allow-list.js';
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
export const QUERY_PARAMETERS = ['stan', 'terminal', 'rrn', 'from', 'to', 'limit'] as const;

function bad(parameter: string, reason: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', reason, { field: parameter });
}

/** Text of at most `max` printable ASCII characters. */
function textFilter(value: unknown, parameter: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !/^[\x20-\x7e]+$/.test(value)) {
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
 * first bad parameter: a STAN that is not 1 to 6 digits, a terminal (field 41) or RRN (field 37) that is not 1 to 16
 * or 12 printable characters, a time that is not an integer from 0 to the end of year 9999, `from` after `to`, a limit not 1 to 10000.
 */
export function checkTransactionQuery(query: TransactionQuery = {}): ResolvedTransactionQuery {
  if (query === null || typeof query !== 'object') throw bad('query', 'must be an object');
  let stan = query.stan;
  if (stan !== undefined) {
    if (typeof stan !== 'string' || !/^[0-9]{1,6}$/.test(stan)) throw bad('stan', 'must be 1 to 6 digits');
    stan = stan.padStart(6, '0');
  }
  const terminal = textFilter(query.terminal, 'terminal', 16);
  const rrn = textFilter(query.rrn, 'rrn', 12);
  const from = timeFilter(query.from, 'from');
  const to = timeFilter(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to) throw bad('from', 'must not be after to');
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) throw bad('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}`);
  return { stan, terminal, rrn, from, to, limit };
}

/** A time given as text: digits are milliseconds since the epoch, anything else must be ISO 8601 (`2026-11-30T21:00:00Z`). */
export function parseTime(text: string, parameter: string): number {
  if (/^[0-9]{1,16}$/.test(text)) return Number(text);
  // ISO 8601 only: Date.parse alone also takes "November 30" and other local forms.
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/.test(text)) {
    throw bad(parameter, 'must be ISO 8601 (2026-11-30T21:00:00Z) or milliseconds since the epoch');
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || ms < 0) throw bad(parameter, 'must be ISO 8601 (2026-11-30T21:00:00Z) or milliseconds since the epoch');
  return ms;
}

/**
 * A query from text parameters (an HTTP query string, command-line flags): unknown parameters and parameters given
 * twice are refused, each named. The result is checked ({@link checkTransactionQuery}).
 */
export function parseTransactionQuery(params: Record<string, unknown>): ResolvedTransactionQuery {
  const query: TransactionQuery = {};
  for (const [name, raw] of Object.entries(params)) {
    if (raw === undefined) continue;
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name)) throw bad(name, `is not a filter (${QUERY_PARAMETERS.join(', ')})`);
    if (typeof raw !== 'string') throw bad(name, 'must be given once');
    switch (name) {
      case 'stan':
      case 'terminal':
      case 'rrn':
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
