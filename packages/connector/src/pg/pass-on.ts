/**
 * What a PostgreSQL SAF journal makes of the rows a statement ended (overtaken-sql.ts `ENDED_ROWS`: saf-sql.ts `DONE`,
 * `FORGET`): their ids, and for each that carried a late approval no row took (`unreversed`), an error line by id, so
 * that such an approval is never dropped unseen.
 */
import type { Logger } from 'pino';

/** A row a statement ended, and whether a late approval it carried found no row to pass on to. */
export interface EndedRow {
  readonly id: string;
  readonly unreversed: boolean;
}

/**
 * The ids of `rows`; logs each row whose late approval was passed on to none at `error`
 * (`ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED`, with `id`: the entry; the approval's fields are not logged).
 */
export function ended(rows: readonly EndedRow[], logger: Logger): Set<string> {
  for (const r of rows) {
    if (r.unreversed) logger.error({ code: 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED', id: r.id }, 'a late approval left on a SAF entry that ended otherwise than reversed found no reversal of its transaction that undid nothing to pass on to: it is not reversed unless its transaction was approved in time');
  }
  return new Set(rows.map((r) => r.id));
}
