/**
 * A spill's rows read back through the allow-list the live path writes through (transaction-allow-list.ts), before a
 * replay sends them (transaction-spill.ts): whatever wrote the file (an older release, a hand that edited it and made
 * its checksum again), PostgreSQL gets only the record's columns, each value checked, the PAN masked (first 6 and last
 * 4 digits). A file that names a column outside the record's (`record`, the JSON of schema version 100, `seq`...) is
 * refused (`columns`); one with a row the allow-list refuses, or a row that is not one value per column (a torn or
 * edited row), is refused whole (`record`, naming the batch, the row and the key, never a value), nothing of it sent:
 * it is kept for the next start and read by hand.
 */
import { Iso8583Error } from '@iso8583/codec';
import type { TransactionRecord } from '../transaction-log.js';
import { TRANSACTION_TEXT_KEYS } from '../transaction-allow-list.js';
import { PlainRecord } from '../plain-record.js';
import { TRANSACTION_COLUMNS, copyLine } from './transaction-sql.js';

/** The rows of a spill's batches as they are sent (each batch's rows as one text), or why they are not. */
export type AllowListedSpill = { batches: { token: string; rows: string }[] } | { problem: 'columns' | 'record'; reason: string };

/** The record key of each column of {@link TRANSACTION_COLUMNS}, by column. */
const KEY_OF = new Map<string, string>(TRANSACTION_COLUMNS.map((column, i) => [column, i === 0 ? 'at' : i === 1 ? 'latencyMs' : i === 2 ? 'outcome' : (TRANSACTION_TEXT_KEYS[i - 3] as string)]));

/** The time text copyTimestamp writes (UTC, to the microsecond). */
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/;

/** COPY's text escapes (other than `\N` for NULL): a letter's control character, an octal or hex byte, else the character itself. */
const ESCAPE = /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/gs;
const LETTERS: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One column's value in COPY's text format, as the server would read it: undefined for NULL (`\N`). */
function copyValue(text: string): string | undefined {
  if (text === '\\N') return undefined;
  if (!text.includes('\\')) return text;
  return text.replace(ESCAPE, (_all, octal: string | undefined, hex: string | undefined, other: string) =>
    octal !== undefined ? String.fromCharCode(parseInt(octal, 8) & 0xff) : hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (LETTERS[other] ?? other),
  );
}

/** A `timestamptz` text as ms since the epoch (to the microsecond); the text itself when it is not a time (the allow-list refuses it). */
function copyTime(text: string): number | string {
  const m = TIMESTAMP.exec(text);
  const ms = m === null ? Date.parse(text) : Date.parse(`${m[1] as string}Z`) + Number((m[2] ?? '').padEnd(6, '0')) / 1000;
  return Number.isFinite(ms) ? ms : text;
}

/**
 * The batches of a spill whose rows fill `columns`, each row read back into a record and written again by `copyLine`
 * (the allow-list's values, the PAN masked), into the same columns in the same order.
 */
export function allowListedSpill(columns: readonly string[], batches: readonly { token: string; rows: string }[]): AllowListedSpill {
  const outside = columns.filter((c) => !KEY_OF.has(c));
  if (outside.length > 0) return { problem: 'columns', reason: `it fills columns outside the transaction record (${outside.join(', ')}): refused, never stored` };
  // Where each of the file's columns is in a row copyLine writes.
  const at = columns.map((c) => TRANSACTION_COLUMNS.indexOf(c));
  const out: { token: string; rows: string }[] = [];
  for (const [b, batch] of batches.entries()) {
    let rows = '';
    const lines = batch.rows.split('\n');
    if (lines.pop() !== '') return { problem: 'record', reason: `batch ${b + 1}: its last row does not end with a newline (cut short): refused, kept` };
    for (const [r, line] of lines.entries()) {
      const values = line.split('\t');
      if (values.length !== columns.length) return { problem: 'record', reason: `batch ${b + 1}, row ${r + 1}: ${values.length} values for ${columns.length} columns (a torn or edited row): refused, kept` };
      const record = new PlainRecord();
      for (const [i, column] of columns.entries()) {
        const value = copyValue(values[i] as string);
        if (value === undefined) continue;
        const key = KEY_OF.get(column) as string;
        record[key] = key === 'at' ? copyTime(value) : key === 'latencyMs' ? (value.trim() === '' ? value : Number(value)) : value;
      }
      let written: string[];
      try {
        written = copyLine(record as unknown as TransactionRecord).slice(0, -1).split('\t');
      } catch (err) {
        const code = err instanceof Iso8583Error ? err.code : 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD';
        return { problem: 'record', reason: `batch ${b + 1}, row ${r + 1}: the transaction allow-list refuses it (${code}, ${err instanceof Iso8583Error ? err.message : 'not a record'}): refused, kept` };
      }
      rows += `${at.map((i) => written[i] as string).join('\t')}\n`;
    }
    out.push({ token: batch.token, rows });
  }
  return { batches: out };
}
