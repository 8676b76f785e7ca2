/**
 * The SQL of the transaction log's table (`iso8583_transactions`): the COPY that stores a batch, with its rows in COPY's
 * text format (see copy.ts; the indexed columns written beside each allow-listed record), and the statement of a query.
 */
import type { TransactionRecord } from '../transaction-log.js';
import type { ResolvedTransactionQuery } from '../transaction-query.js';
import { transactionJson } from '../transaction-allow-list.js';
import { copyJson, copyText } from './copy.js';

/**
 * One COPY per batch (copy.ts): the server takes the rows as text, with no statement to plan and no expression per
 * row; the indexed columns are written beside the record by the client (what an INSERT would have to read back out
 * of each record's JSON on the server, the costliest part of an INSERT from a JSON array there). The record itself is
 * stored as written (`json` keeps its text).
 */
export const TRANSACTION_COPY = 'COPY iso8583_transactions (at, node, stan, terminal, rrn, record) FROM STDIN';

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
 * the allow-list as JSON text (`transactionJson`: refused with `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the
 * key, the PAN masked) and the indexed columns are read from what it checked; `node`, when given, replaces the record's.
 */
export function copyLine(input: TransactionRecord, node?: string): string {
  const json = transactionJson(input, node);
  // Checked by transactionJson: `at` a number, the texts free of control characters (no tab, newline or CR).
  return `${copyTimestamp(input.at)}\t${copyText(node ?? input.node)}\t${copyText(input.stan)}\t${copyText(input.terminal)}\t${copyText(input.rrn)}\t${copyJson(json)}\n`;
}

/**
 * The statement of a query: a fixed text with one placeholder per filter (values are never put in the text), newest
 * first, in the order of the indexes (`at DESC, seq DESC`).
 */
export function transactionQuerySql(q: ResolvedTransactionQuery): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown): void => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length}`));
  };
  if (q.stan !== undefined) add('stan = ?', q.stan);
  if (q.terminal !== undefined) add('terminal = ?', q.terminal);
  if (q.rrn !== undefined) add('rrn = ?', q.rrn);
  if (q.from !== undefined) add('at >= ?::timestamptz', new Date(q.from).toISOString());
  if (q.to !== undefined) add('at <= ?::timestamptz', new Date(q.to).toISOString());
  values.push(q.limit);
  const filter = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT record FROM iso8583_transactions${filter} ORDER BY at DESC, seq DESC LIMIT $${values.length}`, values };
}
