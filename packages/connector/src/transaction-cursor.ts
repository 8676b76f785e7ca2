/**
 * Paging through the transaction log: a page of records ({@link TransactionPage}) carries `next`, a cursor a client
 * gives back as `before` to read the records after the page's last, newest first, each exactly once, even when many
 * share one millisecond (`to` alone cannot page them: `to = last.at` answers the same page again, `to = last.at - 1`
 * skips the rest of that millisecond). A cursor is the page's last record's `at` and a tie-break of the store that
 * gave it (the file store: the line's byte offset in its day file; PostgreSQL: the row's `seq` and `at` to the
 * microsecond; the console's ring: its order of arrival), as text: opaque to clients, checked by the store that reads
 * it (`ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming `before` when it is not one of its own).
 */
import { connectorError } from './errors.js';
import { MAX_TRANSACTION_TIME } from './transaction-allow-list.js';
import type { TransactionPage, TransactionRecord } from './transaction-log.js';

/** Where a record stands in the order of a store: its `at`, then the store's tie-break (the higher, the newer). */
export interface CursorPlace {
  at: number;
  tie: number;
}

/** The longest cursor a query takes (`before`). */
export const MAX_CURSOR_LENGTH = 64;

/** The text of a cursor: the store's letter, `at` and the tie-break (`f_1796159926954_20480`), numbers in fixed point. */
export function cursorText(store: string, at: number | string, tie: number | string): string {
  return `${store}_${typeof at === 'number' ? fixedPoint(at) : at}_${typeof tie === 'number' ? fixedPoint(tie) : tie}`;
}

/** A number that is not negative as decimal digits, never in exponent form (`2e-7` is `0.0000002`): the digits `String` gives, placed. */
function fixedPoint(n: number): string {
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const digits = text.slice(0, e).replace('.', '');
  const exponent = Number(text.slice(e + 1));
  return exponent < 0 ? `0.${'0'.repeat(-exponent - 1)}${digits}` : digits.padEnd(exponent + 1, '0');
}

/** The unit of a store's `at` in its cursors: ms with a fraction (the file store, the ring), or whole µs (PostgreSQL). */
export type CursorUnit = 'ms' | 'us';

/** The largest tie-break each unit's store gives: a safe integer (a byte offset, an order of arrival), a `bigint` (`seq`). */
const MAX_TIE: Record<CursorUnit, bigint> = { ms: BigInt(Number.MAX_SAFE_INTEGER), us: 2n ** 63n - 1n };

/**
 * The cursor `before` of `store` read back: `at` in `unit` (ms: maybe with a fraction; us: whole) no later than the end
 * of year 9999, the tie-break no larger than the store gives. Throws `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming
 * `before` when it is not one (out of range values too: never a database error).
 */
export function readCursor(store: string, before: string, unit: CursorUnit = 'ms'): { at: string; tie: string } {
  const m = /^([a-z])_([0-9]{1,20})(\.[0-9]{1,20})?_([0-9]{1,20})$/.exec(before);
  const whole = m?.[2] as string;
  const tie = m?.[4] as string;
  if (
    m === null ||
    m[1] !== store ||
    (unit === 'us' && m[3] !== undefined) ||
    BigInt(whole) > BigInt(MAX_TRANSACTION_TIME) * (unit === 'us' ? 1000n : 1n) ||
    BigInt(tie) > MAX_TIE[unit]
  ) {
    throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'is not a cursor of this transaction log (give the `next` of a page it answered)', { field: 'before' });
  }
  return { at: whole + (m[3] ?? ''), tie };
}

/** {@link readCursor} as numbers, for a store whose `at` and tie-break are JavaScript numbers (the file store, the ring). */
export function readPlace(store: string, before: string | undefined): CursorPlace | undefined {
  if (before === undefined) return undefined;
  const { at, tie } = readCursor(store, before);
  return { at: Number(at), tie: Number(tie) };
}

/** True when `place` comes before (is older than) `cursor`: an earlier `at`, or the same and a lower tie-break. */
export function olderThan(place: CursorPlace, cursor: CursorPlace | undefined): boolean {
  return cursor === undefined || place.at < cursor.at || (place.at === cursor.at && place.tie < cursor.tie);
}

/** `records` as a page: with `next` (the cursor of the last; not enumerable) when the page is full. */
export function toPage(records: TransactionRecord[], limit: number, cursorOfLast: () => string): TransactionPage {
  // Not enumerable: the page compares, spreads and serialises as the array of records it always was.
  if (records.length >= limit && records.length > 0) Object.defineProperty(records, 'next', { value: cursorOfLast(), writable: true, configurable: true });
  return records as TransactionPage;
}
