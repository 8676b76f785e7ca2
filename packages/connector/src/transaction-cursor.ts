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
import type { TransactionPage, TransactionRecord } from './transaction-log.js';

/** Where a record stands in the order of a store: its `at`, then the store's tie-break (the higher, the newer). */
export interface CursorPlace {
  at: number;
  tie: number;
}

/** The longest cursor a query takes (`before`). */
export const MAX_CURSOR_LENGTH = 64;

/** The text of a cursor: the store's letter, `at` and the tie-break (`f_1796159926954_20480`). */
export function cursorText(store: string, at: number | string, tie: number | string): string {
  return `${store}_${at}_${tie}`;
}

/**
 * The cursor `before` of `store` read back (`at` a whole number unless `fraction`); throws
 * `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming `before` when it is not one.
 */
export function readCursor(store: string, before: string, fraction = true): { at: string; tie: string } {
  const m = /^([a-z])_([0-9]{1,20}(?:\.[0-9]{1,20})?)_([0-9]{1,20})$/.exec(before);
  if (m === null || m[1] !== store || (!fraction && (m[2] as string).includes('.'))) {
    throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'is not a cursor of this transaction log (give the `next` of a page it answered)', { field: 'before' });
  }
  return { at: m[2] as string, tie: m[3] as string };
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
