/**
 * How a PostgreSQL SAF journal (journal.ts) closes: the renewal stopped, the records in progress and the take-backs
 * of attempts (`uncount`) waited for, the final outcomes tried once more, the adds of unknown fate ended, the entries
 * held (and those let go for want of the owner lock) handed back, then the owner lock and the pool ended; bounded by
 * `closeTimeout` (`close`) or {@link PG_DESTROY_GRACE} (`destroy`), past which the store's connections are cut and
 * what was left undone is logged. The base class of `PgJournal`.
 */
import { within } from '../timeouts.js';
import { PG_DESTROY_GRACE, cutError, cutPgPool, storeCause, storeError } from './pool.js';
import type pg from 'pg';
import { PgJournalRenewal, REOPEN_RETRY } from './journal-renewal.js';

/** The close of a {@link PgJournalRenewal}; see the module comment. */
export abstract class PgJournalClosing extends PgJournalRenewal {
  /** The close under way (`close` and `destroy` share it). */
  private closing: Promise<void> | undefined;
  /** The cut of the store's connections, once a close outlasted its bound. */
  private cutting: Promise<void> | undefined;
  /** The take-backs (`uncount`) under way, by entry id: the entry's next attempt, and `close`, wait for them. */
  protected readonly uncounting = new Map<string, Promise<void>>();

  /**
   * Stops renewing, waits for the records in progress, and hands the entries this node still holds back at once (their
   * lease ends now), and those it let go for want of its owner lock (`releaseLetGo`; whether or not the lock is held
   * then: a `not-needed` it let go is reopened), so that another node takes them over without waiting for the lease. Bounded by `closeTimeout`:
   * a store that has not answered by then has its connections cut (the statements in flight fail with
   * `ISO8583_ERR_CONNECTOR_STORE`, their fate unknown) and what was left undone is logged at error (`entries`: held by
   * this node until their lease ends, then another node or the next start sends them; `outcomes`: final outcomes not
   * committed, sent again as repeats; `adds`: adds of unknown fate not ended). Resolves once every connection is closed.
   */
  close(): Promise<void> {
    return this.closeWithin(this.closeTimeout);
  }

  /**
   * `close` bounded by {@link PG_DESTROY_GRACE} ms (or `closeTimeout`, if shorter): what `Connector.destroy` calls, so
   * that an abort does not wait for a store that stopped answering. Nothing is lost or doubled by the cut: an entry
   * stays pending in the store, whatever the statements cut did, and is sent again once its lease ends. Called during
   * a `close`, it shortens it.
   */
  destroy(): Promise<void> {
    return this.closeWithin(Math.min(PG_DESTROY_GRACE, this.closeTimeout));
  }

  /** Closes (once), waiting `ms` at most for the store before cutting its connections. */
  private async closeWithin(ms: number): Promise<void> {
    this.closing ??= this.closeOnce();
    if (await within(this.closing, ms)) return;
    this.cutting ??= this.cut(ms);
    await this.cutting;
    // The pool's connections are closed: what `closeOnce` still waits for fails at once (unless the pool is the
    // caller's, whose connections cannot be cut here: its statements end by their own timeout, in the background).
    if (this.ownsPool) await this.closing;
  }

  /** Cuts the store's connections after a close that took longer than `ms`, and logs what was left undone. */
  private async cut(ms: number): Promise<void> {
    const reason = cutError(ms);
    this.cutReason = reason;
    this.logger.error(
      { code: 'ISO8583_ERR_CONNECTOR_STORE', entries: this.held.size, outcomes: this.unsettled.size, adds: this.unsure.size, wait: ms },
      'the store did not answer at close: its connections are cut; the entries held stay leased to this node until the server ends its owner lock\'s session, or else until their lease ends (then another node, or the next start, sends them)',
    );
    this.ownerLock?.cut();
    if (this.ownsPool && this.pool !== undefined) await cutPgPool(this.pool, reason);
  }

  /**
   * Hands `entries` back (`RELEASE`). While it fails and some are reversals owed whose reopen is not stored
   * (`owedReopen`: the store may hold them done), tried again every {@link REOPEN_RETRY} ms until the close's bound cuts
   * the connections; those still not stored then are logged at error (`ISO8583_ERR_CONNECTOR_STORE`, `notStored`: NOT in
   * the database, reverse them by hand) and stay counted (`notStored`).
   */
  private async handBack(pool: pg.Pool, entries: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
    for (;;) {
      try {
        await this.release(pool, entries);
        this.owedReopen.clear();
        return;
      } catch (err) {
        if (this.owedReopen.size === 0) {
          this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), entries: entries.length }, 'cannot hand the entries back: another node takes them once their lease ends');
          return;
        }
        if (this.cutReason !== undefined || !this.ownsPool) {
          this.logger.error(
            { code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), entries: entries.length, notStored: this.owedReopen.size },
            'cannot hand the entries back: the reversals of responses that could not be recorded are NOT in the database (the store may hold them done): neither the next start nor another node sends them; reverse them by hand',
          );
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, REOPEN_RETRY).unref());
    }
  }

  private async closeOnce(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.shareStranded(false); // another open journal of the store counts its stranded entries from now on
    await Promise.all([this.adds.idle(), this.attempts.idle(), this.dones.idle(), this.renewing, ...this.uncounting.values(), ...[...this.claiming].map((c) => c.catch(() => undefined))]);
    const pool = this.pool;
    if (pool === undefined) return;
    // An answered entry is never handed back: its outcome is tried once more, and kept from the release either way.
    await this.settle(pool);
    await this.forget(pool).catch((err: unknown) => {
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), entries: this.unsure.size }, 'cannot end the entries whose add failed: should one have been stored, another node reverses a request never sent');
    });
    this.released = true;
    if (this.unsettled.size > 0) {
      this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_STORE', entries: this.unsettled.size }, 'closing with final outcomes not committed: their entries are not handed back, and are sent again only once their lease ends');
    }
    for (const u of this.unsettled.values()) {
      this.held.delete(u.id);
      u.reject(storeError('cannot mark entries done', undefined));
    }
    this.unsettled.clear();
    // The entries held, whatever their lease; those let go for want of the owner lock too, whether or not it is held
    // now (their lease still the one they were let go with: `RELEASE`; not one another node claimed meanwhile). Left,
    // a let-go entry waited for its lease (an owner gone by a server restart), or, one whose `not-needed` committed
    // unseen, stayed done for ever: its reversal never sent.
    await this.releasing;
    const letGo = this.takeLetGo();
    // One whose `not-needed` may have committed unseen, which its caller reverses: with its lease, so that it is reopened.
    const reverse = this.unseenToReverse();
    const held = [...this.held.keys()].filter((id) => !reverse.has(id)).map((id): [string, undefined] => [id, undefined]);
    const entries = [...held, ...reverse, ...letGo.filter(([id]) => !this.held.has(id)), ...this.takeLeaseUnknown()];
    // The reversals owed whose reopen is not stored: those handed back now are stored by the release; the others
    // (reopened meanwhile by an attempt or a claim, their `reopen` ended by this close) are pending already.
    const reopened = new Set([...reverse.keys(), ...letGo.map(([id]) => id)]);
    for (const id of this.owedReopen) if (!reopened.has(id)) this.owedReopen.delete(id);
    if (this.opened && entries.length > 0) await this.handBack(pool, entries);
    this.held.clear();
    // After the release: the entries kept (outcomes not committed) wait for their lease, not for this lock to go.
    await this.ownerLock?.close();
    if (this.ownsPool) await pool.end().catch(() => undefined);
  }
}
