/**
 * The SQL of the transaction log's table (`iso8583_transactions`): the COPY that stores a batch, with its rows in COPY's
 * text format (see copy.ts; the indexed columns written beside each allow-listed record), and the statement of a query.
 */
import type { TransactionRecord } from '../transaction-log.js';
import type { ResolvedTransactionQuery } from '../transaction-query.js';
import { copyJson, copyText } from './copy.js';

/**
 * One COPY per batch (copy.ts): the server takes the rows as text, with no statement to plan and no expression per
 * row; the indexed columns are written beside the record by the client (what an INSERT would have to read back out
 * of each record's JSON on the server, the costliest part of an INSERT from a JSON array there). The record itself is
 * stored as written (`json` keeps its text).
 */
export const TRANSACTION_COPY = 'COPY iso8583_transactions (at, node, stan, terminal, rrn, record) FROM STDIN';

/**
 * A record's time (ms since the epoch, maybe with a fraction) as COPY text for a `timestamptz`: UTC, ISO 8601, to the
 * microsecond (the column's precision), so that the column holds what `to_timestamp(at / 1000)` would.
 */
export function copyTimestamp(at: number): string {
  let ms = Math.floor(at);
  // at - floor(at) is exact: the fraction is rounded once, to microseconds.
  let us = Math.round((at - ms) * 1000);
  if (us === 1000) {
    ms += 1;
    us = 0;
  }
  const iso = new Date(ms).toISOString();
  return us === 0 ? iso : `${iso.slice(0, -1)}${String(us).padStart(3, '0')}Z`;
}

/** The rows of a batch in COPY's text format: the columns of {@link TRANSACTION_COPY}, one line per record. */
export function copyRows(records: readonly TransactionRecord[]): Buffer {
  let text = '';
  for (const r of records) {
    text += `${copyTimestamp(r.at)}\t${copyText(r.node)}\t${copyText(r.stan)}\t${copyText(r.terminal)}\t${copyText(r.rrn)}\t${copyJson(JSON.stringify(r))}\n`;
  }
  return Buffer.from(text, 'utf8');
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
