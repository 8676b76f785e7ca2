/**
 * The renewal of a node's hold on its SAF entries in PostgreSQL (the layer of `PgJournal` between journal-batches.ts
 * and journal.ts), every `claimInterval` ms: its owner lock taken again once lost, the final outcomes that failed to
 * commit retried, the adds of unknown fate ended, the entries let go released, the leases renewed (only while the
 * owner lock is held: `RENEW`), the rows done long ago purged, and once a minute the entries no node takes counted
 * (stranded.ts), and the bank of its keys read again (journal-bank.ts). And the reopening of an entry whose `not-needed` may have committed unseen, which the caller reverses
 * (`reopen`).
 */
import type pg from 'pg';
import { ENDED_HERE, FORGET, PURGE, RENEW, REOPEN } from './saf-sql.js';
import { ended, type EndedRow } from './pass-on.js';
import { OWED_FOR_MS } from '../reversal-overtaken.js';
import { PURGE_OWNERS } from './owner-lock-sql.js';
import { PgJournalBank } from './journal-bank.js';
import type { PgJournalOptions } from './journal-options.js';
import { StrandedEntries } from './stranded.js';
import { notCommitted, storeCause } from './pool.js';

/** Milliseconds between tries of `reopen` while the store cannot be reached (or the owner lock is being taken again). */
export const REOPEN_RETRY = 200;

/** A node's SAF entries in PostgreSQL with their renewal; see the module comment. */
export abstract class PgJournalRenewal extends PgJournalBank {
  /**
   * The entries no node takes, counted at a renewal a minute, once per store (stranded.ts): shared with the journals
   * of the same store in this process while open (`shareStranded`).
   */
  protected stranded: StrandedEntries | undefined;
  /** The store was unreachable at the last renewal (logged once per outage). */
  private down = false;
  /**
   * Entries let go (for want of the owner lock) while a lease renewal that included them failed with its fate unknown
   * (it may have committed): their lease may be that renewal's, unknown here, which the `RELEASE` of the lease they were
   * let go with misses. Released with whatever lease they have (`releaseUnknown`), while no claim of this node runs.
   */
  private readonly leaseUnknown = new Set<string>();
  /** The release of the entries of `leaseUnknown` under way: this node's claims wait for it (`claim`). */
  protected releasingUnknown: Promise<void> | undefined;
  /**
   * The entries a caller reverses (`reopen`) whose reopen is not stored yet: maybe done in the store (their `not-needed`
   * committed unseen), their reversal then sent by no later start nor other node. Left so at close: NOT in the store.
   */
  protected readonly owedReopen = new Set<string>();
  /** The tries of `reopen` under way, by entry id (one per entry, whatever the number of callers). */
  private readonly reopening = new Map<string, Promise<boolean>>();
  /** The store whose count of the entries no node takes this journal shares: its URL, or the pool given. */
  private readonly store: string | pg.Pool | undefined;

  constructor(options: PgJournalOptions) {
    super(options);
    this.store = options.pool ?? options.url;
  }

  /** Shares (once open) or stops sharing (at close) the count of the entries no node takes of this journal's store. */
  protected shareStranded(share: boolean): void {
    if (share && this.store !== undefined) this.stranded ??= StrandedEntries.join(this.store, this, this.logger, this.lease);
    else if (!share) this.stranded?.leave(this);
  }

  /** Ends the entries whose add failed with its fate unknown (see `unsure`); those ended are forgotten. */
  protected async forget(pool: pg.Pool): Promise<void> {
    const ids = [...this.unsure];
    if (ids.length === 0) return;
    ended((await pool.query<EndedRow>(FORGET, [this.owner, this.upstream, ids, this.claims])).rows, this.logger);
    for (const id of ids) this.unsure.delete(id);
  }

  /** Tries the final outcomes that failed to commit again, in one statement; those that commit settle their `done`. */
  protected async settle(pool: pg.Pool): Promise<void> {
    const batch = [...this.unsettled.values()];
    if (batch.length === 0) return;
    // Still failing: they stay unsettled (held, their leases renewed) until the next try.
    const results = await this.markDone(batch, pool).catch(() => undefined);
    if (results === undefined) return;
    batch.forEach((d, i) => {
      this.unsettled.delete(d.id);
      const problem = results[i];
      if (problem === undefined) d.resolve();
      else d.reject(problem);
    });
    this.logger.info({ entries: batch.length }, 'SAF outcomes committed once the store was back');
  }

  /** Renews the leases of the entries held, and deletes the rows done more than `purgeAfter` ago. */
  protected renew(): Promise<void> {
    if (this.closed || this.renewing !== undefined) return this.renewing ?? Promise.resolve();
    this.renewing = this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /**
   * While this node holds its owner lock: ends its leases on the entries let go while a renewal of unknown fate ran
   * (`leaseUnknown`), whatever lease each has now (the one it was let go with, or that renewal's), so that the next
   * claim takes them instead of waiting for a lease. A lease this node's own claim gave one since (it may be sending
   * it) must not be ended: no claim of this node runs meanwhile (those under way are waited for, the next wait for
   * this: `claim`), and one it took back since (held) is left out. A failure leaves them for the next renewal.
   */
  private async releaseUnknown(pool: pg.Pool): Promise<void> {
    if (this.leaseUnknown.size === 0 || this.heldSince() === undefined || this.closed) return;
    let open = (): void => undefined;
    this.releasingUnknown = new Promise<void>((resolve) => (open = resolve));
    try {
      while (this.claiming.size > 0) await Promise.allSettled([...this.claiming]);
      const ids = [...this.leaseUnknown].filter((id) => !this.held.has(id));
      await this.release(pool, ids.map((id) => [id, undefined]));
      for (const id of ids) this.leaseUnknown.delete(id);
      for (const id of this.leaseUnknown) if (this.held.has(id)) this.leaseUnknown.delete(id);
    } finally {
      this.releasingUnknown = undefined;
      open();
    }
  }

  /**
   * The entries let go whose lease a renewal of unknown fate may have changed (not one held again), to be handed back
   * at close whatever their lease (no claim runs then), then forgotten.
   */
  protected takeLeaseUnknown(): Array<[string, undefined]> {
    const ids = [...this.leaseUnknown].filter((id) => !this.held.has(id));
    this.leaseUnknown.clear();
    return ids.map((id) => [id, undefined]);
  }

  /**
   * Makes entry `id` pending again in the store after its `done(id, 'not-needed')` failed with its fate unknown (it may
   * have committed unseen: its connection cut after the commit), since the caller reverses the original instead: once
   * this resolves `true` the reversal is in the store whatever becomes of this node (pending, held here with a new lease,
   * or ended by a host's answer, or another node's that sends it). Tried every {@link REOPEN_RETRY} ms (the owner lock
   * taken again first when lost) until stored or the journal's close, whatever `deadline` (a `performance.now()` time):
   * this resolves `false` at `deadline` should it come first, the tries going on; the entry counts in `notStored` until
   * stored. At close, `close` hands it back with its lease, so that its `RELEASE` reopens it, tried again until the
   * close's bound (`closeTimeout`); one still not stored then is logged at error and stays counted. Never rejects. An
   * entry whose `done` did not fail (or another attempt reopened it since) resolves `true` at once.
   */
  reopen(id: string, deadline: number): Promise<boolean> {
    const unseen = this.doneUnseen.get(id);
    if (unseen !== undefined) unseen.reverse = true;
    let tries = this.reopening.get(id);
    if (tries === undefined) {
      // Nothing to reopen: its `done` did not fail unseen (refused before it was written) nor was it let go.
      if (unseen === undefined && !this.isLetGo(id)) return Promise.resolve(true);
      this.owedReopen.add(id);
      tries = this.reopenUntilStored(id).then((stored) => {
        if (stored) this.owedReopen.delete(id);
        this.reopening.delete(id);
        return stored;
      });
      this.reopening.set(id, tries);
    }
    const left = deadline - performance.now();
    if (left <= 0) return Promise.race([tries, Promise.resolve(false)]);
    const running = tries;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), left);
      timer.unref();
      void running.then((stored) => {
        clearTimeout(timer);
        resolve(stored);
      });
    });
  }

  /** How many entries a caller reverses whose reopen is not stored yet (`reopen`; those left at close included). */
  notStored(): number {
    return this.owedReopen.size;
  }

  /** The tries of `reopen` for entry `id`, until it is stored (`true`) or the journal closes (`false`). */
  private async reopenUntilStored(id: string): Promise<boolean> {
    let logged = false;
    while (!this.closed) {
      try {
        if (this.doneUnseen.has(id)) {
          if (await this.reopenOnce(id)) return true;
        } else if (this.isLetGo(id)) {
          // Let go for want of the owner lock (the reversal's attempt refused): its `RELEASE` reopens it.
          if (this.heldSince() === undefined) await this.holding('reopen entries');
          await this.releaseLetGo();
          if (!this.isLetGo(id)) return true;
        } else {
          return true; // reopened by the reversal's attempt, or a claim: pending
        }
      } catch (err) {
        if (!logged) this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), id }, 'an entry whose answer could not be recorded cannot be reopened yet: tried again until it is, or the node stops');
        logged = true;
      }
      if (this.closed) break;
      await new Promise((resolve) => setTimeout(resolve, REOPEN_RETRY).unref());
    }
    return false;
  }

  /** One try of `reopen` (`REOPEN`): whether the entry is pending again (or no longer this node's to reopen). */
  private async reopenOnce(id: string): Promise<boolean> {
    const pool = this.ready();
    if (this.heldSince() === undefined && !(await this.holding('reopen entries'))) return false;
    const since = this.heldSince();
    const query = pool.query<{ id: string | null; lease: string | null }>(REOPEN, [this.owner, id, this.lease, ...this.lockNamed()]);
    this.claiming.add(query); // `close` waits for it, so that what it reopened is handed back too
    const { rows } = await query.finally(() => this.claiming.delete(query));
    if (rows.some((r) => r.id === null)) {
      this.ownerLock?.refused(since); // the news that the lock is lost: taken again at the next try
      return false;
    }
    const lease = rows[0]?.lease;
    // No row: another node claimed it (its `not-needed` never committed) and sends it, or a host's answer ended it.
    if (lease !== undefined && lease !== null && !this.closed) this.held.set(id, lease);
    this.doneUnseen.delete(id);
    return true;
  }

  /**
   * The entries whose `not-needed` may have committed unseen and which their caller reverses (`reopen`), with the lease
   * each has as this node last saw it (its renewal's, else the one it had when its `done` failed): `close` hands them
   * back with it, so that `RELEASE` reopens one marked done (and ends the lease of one that is not).
   */
  protected unseenToReverse(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, { lease, reverse }] of this.doneUnseen) if (reverse === true) out.set(id, this.held.get(id) ?? lease);
    return out;
  }

  /**
   * Keeps the leases `renewed` of the entries `ids` a renewal asked for; drops those it did not renew, and logs as taken
   * over by another node those not ended by this node itself (a `done` of this node that committed while the renewal
   * ran, its answer not processed yet, is no takeover). When the store cannot say which (its read failed), all are
   * logged: a real takeover is never left unreported.
   */
  private async renewed(pool: pg.Pool, ids: readonly string[], renewed: ReadonlyMap<string, string>): Promise<void> {
    // Each lease as renewed (an entry let go or done meanwhile stays so).
    for (const [id, lease] of renewed) if (this.held.has(id)) this.held.set(id, lease);
    const missed = ids.filter((id) => !renewed.has(id) && this.held.has(id));
    if (missed.length === 0) return;
    // As held now: one claimed again while the read runs (a new lease) is kept.
    const leases = new Map(missed.map((id) => [id, this.held.get(id)]));
    const endedHere = await pool.query<{ id: string }>(ENDED_HERE, [this.owner, missed]).then(
      ({ rows }) => new Set(rows.map((r) => r.id)),
      () => new Set<string>(),
    );
    const lost = missed.filter((id) => this.held.get(id) === leases.get(id) && this.held.delete(id) && !endedHere.has(id));
    if (lost.length > 0) this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', entries: lost.length }, 'entries taken over by another node');
  }

  private async renewOnce(): Promise<void> {
    const pool = this.pool;
    if (pool === undefined) return;
    // Taken again once lost (a database away: its outage is logged below, by the renewal's statements).
    await this.ownerLock?.renew().catch(() => undefined);
    // One whose reopen is owed stays, however long the store is away (sr69b #1: dropped, the reopen's loop read it as
    // reopened and the count, the stop's alarm, went to 0 with the approval unreversed).
    for (const [id, { at }] of this.doneUnseen) if (!this.owedReopen.has(id) && performance.now() - at > this.purgeAfter) this.doneUnseen.delete(id);
    try {
      // First: a key recorded for another bank since is claimed, sent and added no more from now on.
      await this.checkBanks(pool);
      await this.settle(pool);
      await this.forget(pool);
      await this.releaseLetGo();
      await this.releaseUnknown(pool);
      const ids = [...this.held.keys()];
      const since = this.heldSince();
      if (ids.length > 0) {
        const meanwhile = new Set<string>();
        this.letGoInRenewal = meanwhile;
        let renewed: Map<string | null, string | null>;
        try {
          const { rows } = await pool.query<{ id: string | null; lease: string | null }>(RENEW, [this.owner, this.lease, ids, ...this.lockNamed()]);
          renewed = new Map(rows.map((r) => [r.id, r.lease]));
        } catch (err) {
          // Its fate unknown (its connection cut, a timeout: it may have committed, even later): the entries let go
          // while it ran may have had their lease renewed by it, to one this node never saw.
          if (!notCommitted(err)) for (const id of meanwhile) if (ids.includes(id)) this.leaseUnknown.add(id);
          throw err;
        } finally {
          this.letGoInRenewal = undefined;
        }
        // None renewed for want of the owner lock (taken again now): still held here, their next statements say
        // whether another node took them meanwhile.
        if (renewed.has(null)) this.ownerLock?.refused(since);
        else {
          await this.renewed(pool, ids, renewed as Map<string, string>);
          // Let go while it ran, their leases renewed after: released with the leases it gave them.
          if (this.letGoRenewed(meanwhile, renewed as Map<string, string>)) await this.releaseLetGo();
        }
      }
      await pool.query(PURGE, [this.purgeAfter, OWED_FOR_MS]);
      await pool.query(PURGE_OWNERS);
      await this.stranded?.due(pool);
      if (this.down) this.logger.info('the store is reachable again');
      this.down = false;
    } catch (err) {
      if (!this.down) {
        this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: (err as { code?: string }).code }, 'the store cannot be reached: leases are not renewed');
      }
      this.down = true;
    }
  }
}
