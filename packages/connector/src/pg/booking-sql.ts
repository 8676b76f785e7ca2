/**
 * Whether two reversal entries' rows name the same booking, in SQL, by the one rule of the memory and the file journal
 * (transactions-in-flight.ts `sameBooking`): the same amount (field 4 as a number, `amountOf`: absent and all zeros
 * alike), and a card (field 2, by its mark) and an acquirer (field 32) each absent on one side or equal (a repeat that
 * drops field 2 or 32 still names its original). Used where a statement ties a row to another of its transaction
 * (saf-sql.ts `DONE`; overtaken-sql.ts `UNDID_NOTHING`, `passingOn` and `passOnLockRows`, which `DONE` and `FORGET`
 * use), so that a row of the terminal's STAN used again by another transaction is left.
 */

/** A row's booking fields: field 4 (SQL `jsonb`), fields 2 and 32 (SQL text), each `NULL` when absent. */
export interface Booking {
  readonly amount: string;
  readonly card: string;
  readonly acquirer: string;
}

/** The booking fields of the reversal entry of the row `alias` (its column `entry`). */
export const bookingOf = (alias: string): Booking => ({
  amount: `${alias}.entry->'reversal'->'4'`,
  card: `${alias}.entry->'reversal'->>'2'`,
  acquirer: `${alias}.entry->'reversal'->>'32'`,
});

/**
 * A card number (the SQL text `pan`, never `NULL` here) as transactions-in-flight.ts `cardMark` keeps it: its first six
 * and last four digits and its length (shorter than 13 digits: its length and, past 8 digits, its last four).
 */
export const cardMark = (pan: string): string =>
  `CASE WHEN length(${pan}) < 13 THEN length(${pan}) || '.' || (CASE WHEN length(${pan}) > 8 THEN right(${pan}, 4) ELSE '' END) ELSE left(${pan}, 6) || '.' || length(${pan}) || '.' || right(${pan}, 4) END`;

/**
 * A field 4 (the SQL `jsonb` value `j`, `NULL` when absent) as a number, by socketqueue-figures.ts `amountOf`'s rule (so
 * that the memory's `sameBooking` and the statements name the same bookings): a text of 1 to 15 digits as its value, a
 * whole number from 1 to 2^53 - 1 as itself, anything else (absent, all zeros, not an amount) 0. Nested `CASE`s, so
 * that no cast is tried on a value of another type.
 */
export const amountOf = (j: string): string =>
  `(CASE jsonb_typeof(${j}) WHEN 'string' THEN (CASE WHEN ${j} #>> '{}' ~ '^[0-9]{1,15}$' THEN (${j} #>> '{}')::numeric ELSE 0 END)
    WHEN 'number' THEN (CASE WHEN (${j})::numeric > 0 AND (${j})::numeric <= 9007199254740991 AND (${j})::numeric = trunc((${j})::numeric)
      THEN (${j})::numeric ELSE 0 END) ELSE 0 END)`;

/** Whether the SQL texts `a` and `b` agree (transactions-in-flight.ts `agrees`): either `NULL` (absent), or both equal (`as` each). */
const agrees = (a: string, b: string, as = (x: string): string => x): string => `(${a} IS NULL OR ${b} IS NULL OR ${as(a)} = ${as(b)})`;

/** Whether the bookings `a` and `b` are the same (see the module comment), as an SQL condition. */
export function sameBooking(a: Booking, b: Booking): string {
  return `${amountOf(a.amount)} = ${amountOf(b.amount)} AND ${agrees(a.card, b.card, cardMark)} AND ${agrees(a.acquirer, b.acquirer)}`;
}
