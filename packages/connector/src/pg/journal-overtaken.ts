/**
 * What a PostgreSQL SAF journal (journal.ts) keeps of reversals that undid nothing (`25`: they overtook their original
 * at the bank), in the rows several nodes share (overtaken-sql.ts): the code written to the reversal's row, the late
 * approval that looks it up on any node, the repeats owed, and the retirement of the code by the approval in time of a
 * later request of the same transaction (with that request's `done`: saf-sql.ts `DONE`). The base class of `PgJournal`.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { JournalEntry } from '../journal.js';
import type { ApprovalBooking } from '../transactions-in-flight.js';
import { OVERTAKEN_FOR_MS, OWED_FOR_MS } from '../reversal-overtaken.js';
import { AGAIN_SUFFIX, CAP_REPEAT, LATE_APPROVAL, REPEATS_OWED, UNDID_NOTHING, againId } from './overtaken-sql.js';
import { PgJournalClosing } from './journal-close.js';

/** The reversals that undid nothing of a {@link PgJournalClosing}; see the module comment. */
export abstract class PgJournalOvertaken extends PgJournalClosing {
  /**
   * A reversal attempt of entry `id` was answered `responseCode`, which undid nothing, and the entry is about to end
   * (see `ReversalJournal.undidNothing`): the code is written to the entry's row (overtaken-sql.ts, `UNDID_NOTHING`),
   * so that a late approval reaching any node reverses it; resolves with a late approval left there (another node's,
   * or passed on), written with the code (this node reverses it), unless another row of the transaction carries its
   * repeat already. The same again does the same (its reply lost, it may be run again). `timeIn90` (default false; a
   * dialect with `freshTransmissionTime`): rows are of one booking by the original's field 7 in their field 90, as
   * `lateApproval`'s `booking.timeIn90` (overtaken-sql.ts `rowTime`). Rejects with `ISO8583_ERR_CONNECTOR_STORE` when it fails.
   */
  async undidNothing(id: string, responseCode: string, timeIn90 = false): Promise<{ approval: IsoMessage; againId: string } | undefined> {
    try {
      const { rows } = await this.ready().query<{ approval: string | null; id: string }>(UNDID_NOTHING, [id, responseCode, timeIn90]);
      const row = rows[0];
      return row === undefined || row.approval === null ? undefined : { approval: JSON.parse(row.approval) as IsoMessage, againId: againId(row.id) };
    } catch (err) {
      throw this.failure('cannot record a reversal that undid nothing', err);
    }
  }

  /**
   * A late approval (its kept fields `approval`: MTI, STAN, terminal, response code, amounts) of a transaction whose
   * reversal this node does not remember (see `ReversalJournal.lateApproval`): takes, once across the nodes, the code of
   * a reversal of it that undid nothing (done within `OVERTAKEN_FOR_MS`, whatever `purgeAfter`: the purge keeps such a
   * row longer, `OWED_FOR_MS`, and an older one of the terminal's STAN is another transaction's; or about to end) and resolves with that reversal and
   * code; else leaves the approval on its transaction's pending entry, if any, and resolves `undefined`
   * (overtaken-sql.ts, `LATE_APPROVAL`). `within`: how far back (ms) a code counts, default `OVERTAKEN_FOR_MS` (a try
   * made later counts from the approval's arrival). `booking`: only a row of that booking (overtaken-sql.ts
   * `OF_BOOKING`). Only under this node's keys but those recorded for another bank (`claimKeys`), rows of this node's bank (`bank`).
   * Another approval of the transaction holding the row it would take, the chain's root or its last repeat row (`LATE_APPROVAL`'s `placed` false, twice:
   * the second run a fresh snapshot) is logged at `error` (`ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED`) and resolves
   * `undefined`: nothing is stored for it. Rejects with `ISO8583_ERR_CONNECTOR_STORE` when it fails.
   */
  async lateApproval(approval: IsoMessage, within = OVERTAKEN_FOR_MS, booking?: ApprovalBooking): Promise<{ reversal: IsoMessage; responseCode: string; againId: string } | undefined> {
    try {
      const params = [
        this.claimKeys(), textOf(approval['41']), textOf(approval['11']), JSON.stringify(approval), within,
        booking?.time ?? null, booking?.amount ?? 0, booking?.acquirer ?? null, booking?.card ?? null, this.bank,
        booking?.timeIn90 === true,
      ];
      const look = async (): Promise<LateRow | undefined> => (await this.ready().query<LateRow>(LATE_APPROVAL, params)).rows[0];
      let row = await look();
      // Another approval holds the chain's last row (mend67b #1): once more, a fresh snapshot sees a repeat stored since.
      if (row !== undefined && !row.placed) row = await look();
      if (row !== undefined && !row.placed) {
        this.logger.error(
          { code: 'ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED', mti: approval['0'], stan: approval['11'], terminal: approval['41'] },
          'a late approval found another approval of its transaction holding the repeat it would call for: NOT reversed, check with the host',
        );
        return undefined;
      }
      return row === undefined || row.code === null
        ? undefined
        : { reversal: JSON.parse(row.reversal) as IsoMessage, responseCode: row.code, againId: againId(row.id) };
    } catch (err) {
      throw this.failure('cannot look up a reversal that undid nothing', err);
    }
  }

  /**
   * The repeats late approvals call for whose store no node made durable (see `ReversalJournal.repeatsOwed`;
   * overtaken-sql.ts, `REPEATS_OWED`), under this node's keys but those recorded for another bank (`claimKeys`: that
   * bank's nodes owe them, to their bank), of this node's bank (`bank`: a row of another bank's is owed there). Rejects with `ISO8583_ERR_CONNECTOR_STORE` when it fails.
   */
  async repeatsOwed(): Promise<Array<{ reversal: IsoMessage; responseCode: string; approval: IsoMessage; againId: string }>> {
    try {
      const { rows } = await this.ready().query<{ id: string; reversal: string; code: string; approval: string }>(REPEATS_OWED, [this.claimKeys(), OWED_FOR_MS, this.bank]);
      return rows.map((r) => ({ reversal: JSON.parse(r.reversal) as IsoMessage, responseCode: r.code, approval: JSON.parse(r.approval) as IsoMessage, againId: againId(r.id) }));
    } catch (err) {
      throw this.failure('cannot read the repeats late approvals call for', err);
    }
  }

  /**
   * The cap on repeats refused the repeat `id` (see `ReversalJournal.capRepeat`): its row (the id less `.again`) is
   * dated so that no node stores it after (overtaken-sql.ts, `CAP_REPEAT`). An id that is no row's repeat (a repeat
   * from this node's memory, a new id) names no row: nothing is run. Rejects with `ISO8583_ERR_CONNECTOR_STORE` when
   * it fails.
   */
  async capRepeat(id: string): Promise<void> {
    if (!id.endsWith(AGAIN_SUFFIX)) return;
    try {
      await this.ready().query(CAP_REPEAT, [id.slice(0, -AGAIN_SUFFIX.length)]);
    } catch (err) {
      throw this.failure('cannot record a repeat the cap refused', err);
    }
  }

  /**
   * The request of the pending entry `entry` was approved in time, and its `done` (`not-needed`) follows at once (see
   * `ReversalJournal.retireOvertaken`): that `done`'s statement also clears the code of a reversal of its transaction
   * that undid nothing from its row, where no late approval was left yet, whichever node's it was (saf-sql.ts `DONE`):
   * no extra round trip, and it commits with the `done`, before the caller sees the approval.
   */
  retireOvertaken(entry: JournalEntry): void {
    this.retiring.add(entry.id);
  }

  /**
   * `done`, the `done` of entry `id`: refused before its statement, or failed, it lets go of the retirement it carried
   * (`retireOvertaken`), so that a later `done` of the entry (its reversal's, its approval unrecorded) retires nothing.
   */
  protected lettingGo(id: string, done: Promise<void>): Promise<void> {
    if (!this.retiring.has(id)) return done;
    return done.catch((err: unknown) => {
      this.retiring.delete(id);
      throw err;
    });
  }
}

/** A row `LATE_APPROVAL` returns: the code, the reversal (JSON text), the row's id, whether the approval was placed. */
interface LateRow {
  code: string | null;
  reversal: string;
  id: string;
  placed: boolean;
}

/** A field's value as the row's JSON text holds it (`->>`), `null` when absent. */
function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : value === undefined || value === null ? null : String(value);
}
