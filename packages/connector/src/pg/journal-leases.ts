/**
 * What a node keeps of its SAF entries in PostgreSQL (the base of `PgJournal`, journal.ts): the entries it holds under
 * its lease, those let go for want of the owner lock, the final outcomes waiting for the database to commit them, and
 * the adds of unknown fate. The batch statements that change them (add, attempt, done): journal-batches.ts. The
 * renewal every `claimInterval` ms that keeps the leases, retries those outcomes, ends those adds and purges the rows
 * done more than `purgeAfter` ago: journal-renewal.ts. What it guarantees: journal.ts.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { connectorError } from '../errors.js';
import { MAX_TIMER_DELAY } from '../timeouts.js';
import { RELEASE } from './saf-sql.js';
import type { OwnerLock } from './owner-lock.js';
import { storeError } from './pool.js';
import { DEFAULTS, checkPgJournalOptions, type PgJournalOptions, type Row, type Unsettled } from './journal-options.js';

/** Most milliseconds between claims while running, with the owner lock: how soon a gone node's entries are taken. */
export const TAKE_OVER_INTERVAL = 1000;

/** The entries a node holds in the PostgreSQL SAF queue, their statements and their renewal; see the module comment. */
export abstract class PgJournalLeases {
  /** Milliseconds a node holds an entry without renewing it. */
  readonly lease: number;
  /** Milliseconds between claims (and lease renewals): a third of the lease. */
  readonly claimInterval: number;
  /**
   * Milliseconds between claims while running: `claimInterval`, or at most {@link TAKE_OVER_INTERVAL} with the owner
   * lock (a node gone is seen at once; a claim that finds no owner gone and no lease ended reads no row).
   */
  readonly takeOverInterval: number;
  /** This node's name in `lease_owner`. */
  readonly owner: string;
  /** The upstream whose entries this journal holds. */
  readonly upstream: string;
  /** The upstream keys this journal claims: `upstream`, then `formerUpstreams`. */
  readonly claims: readonly string[];
  /** The upstream keys whose pending entry of a transaction refuses an original's add (`ADD`): `claims`, `guardAcross`'s. */
  protected guards: readonly string[];
  /** The name a guarded row's transaction key (`txn`, `ADD`) starts with: `upstream`, a group's first key (`guardAcross`). */
  protected txnName: string;
  /** This node's bank, recorded with each entry it adds (`bank`, saf-sql.ts `ADD`): journal-bank.ts; null without `address`. */
  protected bank: string | null = null;
  /** Most entries one claim takes. */
  readonly claimBatch: number;
  /** Milliseconds a row marked done stays before it is deleted. */
  readonly purgeAfter: number;
  /** Milliseconds `close` waits for the store before it cuts its connections. */
  readonly closeTimeout: number;
  /** Whether this node holds an owner lock and claims the entries of owners gone at once (owner-lock.ts). */
  readonly ownerLocking: boolean;
  protected readonly url: string | undefined;
  protected readonly logger: Logger;
  protected pool: pg.Pool | undefined;
  protected readonly ownsPool: boolean;
  /**
   * The entries this node holds (added or claimed, not done, lease not lost), each with its lease end as the last
   * statement that set it returned it (`lease`, saf-sql.ts).
   */
  protected readonly held = new Map<string, string>();
  /** Final outcomes that failed to commit, by entry id: retried at each renewal and at close (their entries stay held). */
  protected readonly unsettled = new Map<string, Unsettled>();
  /** Entries whose request was approved in time (`retireOvertaken`): their `done` retires a reversal that undid nothing. */
  protected readonly retiring = new Set<string>();
  /** Entries whose add failed with its fate unknown (it may have committed): ended (`FORGET`) at each renewal and at close. */
  protected readonly unsure = new Set<string>();
  /**
   * Entries whose add found their id stored already and not this node's to send (another node holds it, or it ended):
   * nothing written; `add` resolves `'exists'` for each (and takes it out).
   */
  protected readonly already = new Set<string>();
  /**
   * Entries let go for want of the owner lock (an attempt refused while it was lost), each with the lease end it had
   * then: their leases are ended (`RELEASE`) once it is held again (or at close, held or not), so that the next claim
   * takes them instead of waiting for their lease; only while that lease is theirs still (one this node's claim renewed
   * since is not ended).
   */
  private readonly letGo = new Map<string, string>();
  /**
   * The entries let go (`letGoOf`) while a lease renewal (`RENEW`, journal-renewal.ts) is in flight, `undefined` when
   * none is: that renewal may renew the lease of one after it was let go (it took the row before, or after its
   * `RELEASE` committed), and the `RELEASE` with the lease it was let go with then misses it (or is undone); such an
   * entry is let go again with the lease the renewal returned (`letGoRenewed`), so that it is not kept a whole lease.
   */
  protected letGoInRenewal: Set<string> | undefined;
  /**
   * Entries whose `not-needed` failed (it may have committed unseen: its connection cut after the commit), with the
   * lease each had: a renewal no longer keeps such an entry (done, as the server may have it), and the reversal that
   * follows, should its attempt be refused for want of the owner lock, lets it go with this lease (`RELEASE` reopens
   * it). Forgotten at the entry's next attempt, claim or done, or once `purgeAfter` has passed (the row, done, is
   * deleted by then): the `not-needed` of an original that never left is followed by no attempt. `reverse`: the caller
   * reverses it (`reopen` was asked for): `close` hands it back with its lease, so that `RELEASE` reopens it.
   */
  protected readonly doneUnseen = new Map<string, { lease: string; at: number; reverse?: boolean }>();
  /** The `RELEASE` of the entries let go under way (`close` waits for it). */
  protected releasing: Promise<void> | undefined;
  protected timer: NodeJS.Timeout | undefined;
  protected renewing: Promise<void> | undefined;
  /** Claims in progress (close waits for them, so that what they took is handed back too). */
  protected readonly claiming = new Set<Promise<unknown>>();
  protected opened = false;
  protected closed = false;
  /** `close` has tried the unsettled outcomes for the last time: a failure now is the caller's. */
  protected released = false;
  /** This node's owner lock, once `open` took it (with `ownerLocking`). */
  protected ownerLock: OwnerLock | undefined;
  /** Set once a bounded close cut the store's connections: what every statement failing from then on fails with. */
  protected cutReason: Error | undefined;

  constructor(options: PgJournalOptions) {
    if (options.url === undefined && options.pool === undefined) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'a PostgreSQL journal needs a url or a pool', { field: 'store' });
    }
    checkPgJournalOptions(options);
    this.url = options.url;
    this.lease = options.lease ?? DEFAULTS.lease;
    this.claimInterval = Math.max(1, Math.floor(this.lease / 3));
    this.upstream = options.upstream ?? DEFAULTS.upstream;
    this.claims = [...new Set([this.upstream, ...(options.formerUpstreams ?? [])])];
    this.guards = this.claims;
    this.txnName = this.upstream;
    this.claimBatch = options.claimBatch ?? DEFAULTS.claimBatch;
    this.purgeAfter = options.purgeAfter ?? DEFAULTS.purgeAfter;
    this.closeTimeout = options.closeTimeout ?? DEFAULTS.closeTimeout;
    // At most a timer's longest delay: one longer fired at once (Node.js), and every close cut the store's connections.
    if (typeof this.closeTimeout !== 'number' || !(this.closeTimeout >= 0) || !(this.closeTimeout <= MAX_TIMER_DELAY)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `must be a number of milliseconds from 0 to ${MAX_TIMER_DELAY}`, { field: 'closeTimeout' });
    }
    this.ownerLocking = options.ownerLock ?? DEFAULTS.ownerLock;
    if (typeof this.ownerLocking !== 'boolean') throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be true or false', { field: 'ownerLock' });
    this.takeOverInterval = this.ownerLocking ? Math.min(this.claimInterval, TAKE_OVER_INTERVAL) : this.claimInterval;
    this.owner = options.owner ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ store: 'postgresql', upstream: this.upstream });
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool;
  }

  /**
   * Whether a claimed row goes to the SAF queue: not one already handled here (its lease renewal failed: its lease is
   * now the claim's, kept as it came back, so that a `RELEASE` of it, should it be let go, names the lease it has), nor
   * one whose add this node saw fail (its request was not sent: ended by the next renewal, never sent).
   */
  protected took(row: Row): boolean {
    if (this.held.has(row.id)) {
      this.held.set(row.id, row.lease);
      return false;
    }
    if (this.unsure.has(row.id)) return false;
    this.held.set(row.id, row.lease);
    this.letGo.delete(row.id); // this node's again, under a new lease that no RELEASE of what was let go ends
    this.doneUnseen.delete(row.id);
    return true;
  }

  /**
   * `performance.now()` since which this node's hold on its entries has been unbroken (`undefined`: broken now): since
   * its owner lock was last taken, or for ever without one (only a lease running out ends a hold then).
   */
  heldSince(): number | undefined {
    return this.ownerLock === undefined ? -Infinity : this.ownerLock.heldSince;
  }

  /**
   * The owner lock as a statement names it, as it is now: its key and the session that took it last (`REGISTER`'s `pid`
   * and `started`); all null without the lock (saf-sql.ts `whileLockHeld`, `DONE`: a session other than that one
   * holding it, the node restarted under the same name, refuses them).
   */
  protected lockNamed(): [key: number | null, pid: number | null, started: string | null] {
    const session = this.ownerLock?.session;
    return [this.ownerLock?.key ?? null, session?.pid ?? null, session?.started ?? null];
  }

  /**
   * Whether this node holds its owner lock (or has none), taking it again first if it was lost (its session ended:
   * a database restart, a cut connection); rejects with the store's error for `what` when the database cannot be
   * reached. The entries another node claimed meanwhile are no longer this node's (their statements say so).
   */
  protected async holding(what: string): Promise<boolean> {
    try {
      return (await this.ownerLock?.retake()) ?? true;
    } catch (err) {
      throw this.failure(`cannot ${what}`, err);
    }
  }

  /**
   * Lets entry `id` go for want of the owner lock: no longer held, its lease ended once the lock is held again (if it
   * is still the lease it has now: an entry whose lease this node does not know is left to run out).
   */
  protected letGoOf(id: string): void {
    const lease = this.held.get(id) ?? this.doneUnseen.get(id)?.lease;
    this.held.delete(id);
    this.doneUnseen.delete(id);
    if (lease !== undefined) this.letGo.set(id, lease);
    this.letGoInRenewal?.add(id);
  }

  /**
   * Lets go again, with the lease `renewed` gives it, each entry let go while that renewal was in flight and whose
   * lease it renewed (not one this node took again since: held); returns whether any was (its `RELEASE` is due).
   */
  protected letGoRenewed(meanwhile: ReadonlySet<string>, renewed: ReadonlyMap<string, string>): boolean {
    let any = false;
    for (const id of meanwhile) {
      const lease = renewed.get(id);
      if (lease === undefined || this.held.has(id)) continue;
      this.letGo.set(id, lease);
      any = true;
    }
    return any;
  }

  /**
   * While this node holds its owner lock: ends its leases on the entries it let go for want of it (`RELEASE`: not an
   * entry another node claimed meanwhile, nor one done, nor one this node claimed again since it let it go, whose
   * lease is no longer the one it was let go with). Called when the lock is taken, and at each renewal (those a
   * failure left are tried again then).
   */
  protected releaseLetGo(): Promise<void> {
    const pool = this.pool;
    if (pool === undefined || this.closed || this.heldSince() === undefined || this.letGo.size === 0) return Promise.resolve();
    const gone = [...this.letGo];
    this.letGo.clear();
    const releasing = this.release(pool, gone).catch(() => {
      for (const [id, lease] of gone) if (!this.held.has(id)) this.letGo.set(id, lease); // the renewal logs the outage
    });
    this.releasing = releasing.finally(() => {
      if (this.releasing === releasing) this.releasing = undefined;
    });
    return releasing;
  }

  /**
   * Ends this node's leases on the entries `entries` (`RELEASE`): with a lease end, only while the entry's lease is
   * still that one; with none (an entry held now, at close), whatever it is.
   */
  protected async release(pool: pg.Pool, entries: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
    if (entries.length === 0) return;
    await pool.query(RELEASE, [this.owner, entries.map(([id]) => id), entries.map(([, lease]) => lease ?? null)]);
  }

  /** Whether entry `id` waits, let go for want of the owner lock, for the `RELEASE` that ends its lease (`releaseLetGo`). */
  protected isLetGo(id: string): boolean { return this.letGo.has(id); }

  /** The entries let go for want of the owner lock, with their lease ends, to be handed back at close (then forgotten). */
  protected takeLetGo(): Array<[string, string]> {
    const gone = [...this.letGo]; this.letGo.clear(); return gone;
  }

  /** Whether this node's hold has been unbroken since `asked` (a `performance.now()` time). */
  protected heldThrough(asked: number): boolean { const since = this.heldSince(); return since !== undefined && since <= asked; }

  /**
   * The store's error for `what` that failed with `err` (the cut's, once the connections were cut); the store's URL
   * (masked) named only when `named` (the open's: a later one may be an HTTP answer, `storeError`).
   */
  protected failure(what: string, err: unknown, named = false): Error { return storeError(what, this.cutReason ?? err, named ? this.url : undefined); }

  /** The pool, or the coded error for a journal not open. */
  protected ready(): pg.Pool {
    if (!this.opened || this.closed || this.pool === undefined) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store is not open', { field: 'store' });
    return this.pool;
  }
}
