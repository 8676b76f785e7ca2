/**
 * The entries the reversal manager (reversal.ts) journals and queues itself: those callers store with `saf: true`
 * (advices, and reversals they built), checked against `saf.maxEntries` (saf-room.ts), and its own (a late approval's
 * reversal again, one kept at a stop), never refused for room. A reversal a caller stores for an original armed here
 * (journaled, not written yet or at the host, unanswered) is held until the original's outcome is known (saf-hold.ts).
 */
import { mtiLabel } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import type { JournalEntry, ReversalJournal } from './journal.js';
import type { SafQueue } from './saf-queue.js';
import type { ReversalsUnderway } from './reversals-underway.js';
import { SafRoom } from './saf-room.js';
import { entryId, entryOf } from './reversal-entry.js';

/** Journals entries and queues them once durable (see the file's note). */
export class StoredEntries {
  /** What `saf.maxEntries` leaves for the entries `store` takes (saf-room.ts). */
  private readonly room: SafRoom;

  constructor(
    private readonly journal: ReversalJournal,
    private readonly queue: SafQueue,
    private readonly underway: ReversalsUnderway,
    /** Its logger, read at each use. */
    private readonly host: { readonly logger: Logger },
    maxEntries: number | undefined,
  ) {
    this.room = new SafRoom(() => queue.figures.depth, maxEntries);
  }

  /** What `ReversalManager.store` does (see there): a caller's entry, resolved once durable. */
  async store(message: IsoMessage): Promise<JournalEntry> {
    if (String(message['0'] ?? '')[1] === '4') {
      // A reversal of a transaction whose reversal is under way here (the connector's own, after a timeout): the same
      // reversal, taken as that entry (its receipt), never sent nor counted twice.
      const id = this.underway.reversalOf(message);
      if (id !== undefined) {
        this.host.logger.info({ id, mti: mtiLabel(String(message['0'])) }, 'a reversal stored for a transaction whose reversal is under way: taken as that one');
        return { id, reversal: message, at: Date.now() };
      }
    }
    return this.room.store(async () => {
      const entry = entryOf(message, entryId());
      // A fresh id the store says it holds (a caller-given store): nothing queued, nothing would send it; said, not taken as stored.
      if (!(await this.add(entry, true))) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the store says it holds entry ${entry.id} already: not stored again, not sent`, { field: 'store' });
      return entry;
    });
  }

  /**
   * Journals `entry` and queues it once durable; resolves `false` when the store holds its id already and it is not
   * this node's to send (`ReversalJournal.add` resolved `'exists'`: another node sends it), nothing queued. `byCaller`:
   * a caller stored it (`store`): a reversal whose original is armed here is held until its outcome (saf-hold.ts).
   */
  async add(entry: JournalEntry, byCaller = false): Promise<boolean> {
    if ((await this.journal.add(entry)) === 'exists') return false;
    // Asked in the turn it is queued: held while its original is armed here at all (journaled, waiting for a connection
    // or at the host). One naming it by its own field 11 then also refuses it at its write (`ReversalManager.reversing`),
    // which releases the hold; a terminal's own reversal (its own STAN, the original in field 90) is filed under its own
    // STAN, so its original is not refused and could be approved after it: it waits for the original's outcome.
    const until = byCaller && entry.kind === undefined ? this.underway.untilUnarmed(this.underway.originalKey(entry.reversal)) : undefined;
    this.queue.activate(entry, false, until);
    return true;
  }
}
