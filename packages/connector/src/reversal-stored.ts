/**
 * The entries the reversal manager (reversal.ts) journals and queues itself: those callers store with `saf: true`
 * (advices, and reversals they built), checked against `saf.maxEntries` (saf-room.ts), and its own (a late approval's
 * reversal again, one kept at a stop), never refused for room. A reversal a caller stores for an original armed here
 * (journaled, not written yet or at the host, unanswered) is held until the original's outcome is known (saf-hold.ts);
 * should the original time out meanwhile, that one is its reversal, and the connector's own is not sent too (`reverse`).
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
  /** The ids of the entries held for an original in flight here (`add`), by the key of that original, until released. */
  private readonly held = new Map<string, Set<string>>();
  /** Stored reversals sent for an original that timed out instead of its own (`covered`), by id: that own entry's id. */
  private readonly coveredBy = new Map<string, string>();

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
    const key = byCaller && entry.kind === undefined ? this.underway.originalKey(entry.reversal) : undefined;
    const until = key === undefined ? undefined : this.underway.untilUnarmed(key);
    this.queue.activate(entry, false, until);
    if (key !== undefined && until !== undefined) this.holding(key, entry.id, until);
    return true;
  }

  /**
   * The connector's own reversal `own` of an original whose outcome is unknown (`ReversalManager.trigger`) is queued;
   * unless a reversal a caller stored for that original is held here (`heldFor`): that one is its reversal, one 0400
   * to the host, not two (`covered`).
   */
  reverse(own: JournalEntry): void {
    const stored = this.heldFor(own.reversal);
    if (stored === undefined) this.queue.activate(own);
    else void this.covered(own, stored);
  }

  /**
   * `own` is marked done (`not-needed`: both are journaled, so a crash before leaves both, as before), then the stored
   * entry `stored` let go (sent as any stored entry); `own` stays held in `underway` (its transaction refused here, as
   * while its own reversal is under way) until the stored one ends (`ended`). Should that `done` fail, or the stored
   * one be gone meanwhile, `own` is queued as well.
   */
  private async covered(own: JournalEntry, stored: string): Promise<void> {
    const done = await this.journal.done(own.id, 'not-needed').then(
      () => true,
      () => false,
    );
    if (!done || !this.queue.held(stored)) {
      this.queue.activate(own);
      return;
    }
    this.host.logger.info({ id: own.id, stored }, 'a reversal a caller stored for this original is sent instead of the connector\'s own');
    this.coveredBy.set(stored, own.id);
    this.queue.held(stored, true);
  }

  /** Entry `id` ended (or was answered): an original it was the reversal of (`covered`) is settled. */
  ended(id: string): void {
    const own = this.coveredBy.size === 0 ? undefined : this.coveredBy.get(id);
    if (own === undefined) return;
    this.coveredBy.delete(id);
    this.underway.settle(own);
  }

  /**
   * The id of a reversal a caller stored for the original the reversal `message` names (by its key, as `add` holds
   * it), queued and still held until that original's outcome (saf-hold.ts); else `undefined`.
   */
  private heldFor(message: IsoMessage): string | undefined {
    const ids = this.held.size === 0 ? undefined : this.held.get(this.underway.originalKey(message));
    if (ids !== undefined) for (const id of ids) if (this.queue.held(id)) return id;
    return undefined;
  }

  /** Entry `id` is held for the original of `key` until `until` settles. */
  private holding(key: string, id: string, until: Promise<unknown>): void {
    const ids = this.held.get(key) ?? new Set<string>();
    this.held.set(key, ids.add(id));
    const released = (): void => {
      ids.delete(id);
      if (ids.size === 0 && this.held.get(key) === ids) this.held.delete(key);
    };
    until.then(released, released);
  }
}
