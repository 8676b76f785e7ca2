/**
 * The SAF queue (reversals, and advices once the SAF queue has them) in PostgreSQL, shared by every gateway node on
 * one database. Each row of `iso8583_saf` is an entry; a node holds the entries it added or claimed under a lease
 * (`lease` ms, on the database's clock) that it renews every `lease / 3` ms while it runs. When a node dies (even by
 * SIGKILL) its leases end, and another node claims its entries (`claim`, `SELECT ... FOR UPDATE SKIP LOCKED`: two
 * nodes never claim the same entry) and sends them, resuming with a repeat (0401) when an attempt was recorded.
 *
 * What it guarantees (see docs/operations.md):
 * - nothing leaves unjournaled: `add` resolves once the row has committed, and fails with
 *   `ISO8583_ERR_CONNECTOR_STORE` at once when the database cannot be reached (the request is then not sent), or when
 *   the commit came back later than `lease - claimInterval` ms after it was asked for (the node stalled: its lease may
 *   have ended). An add that failed but may have committed is ended (`not-sent`: never reopened, never claimed) at the
 *   next renewal, so that no node reverses a request that was never sent (unless another node claimed it first);
 * - at-least-once: an entry not marked done is sent by its holder, or by whoever claims it once the lease ends;
 * - never sent again once answered: `attempt` is recorded only while the entry is not done and this node holds it
 *   (else it fails with `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST` and the entry is not sent), and a host's answer
 *   (`reversed`, `delivered`) marks the entry done whoever holds it; so no attempt starts after an answer committed.
 *   A final outcome (a host's answer, `abandoned`, `expired`) that cannot be committed (the database is away) is
 *   retried at every renewal until it commits, the entry held and its lease renewed meanwhile; `close` tries it once
 *   more and never hands such an entry back. An attempt recorded later than `lease - claimInterval` ms after it was
 *   asked for (the node stalled) is not sent either, and taken back (uncounted) unless another node claimed it. The
 *   windows left are a stall longer than a lease after these checks: between the attempt's and the socket write
 *   another node may send the entry too, a repeat (0401, 0421 are idempotent at the host). The add's bound is checked
 *   again just before the original's write (`ReversalManager.late`), so that no original leaves after another node
 *   could have claimed its entry and reversed it;
 * - a `not-needed` outcome (the original was answered) commits only while this node holds the entry: when another
 *   node has claimed it (and so may be reversing it), `done` fails and the caller sees a failure, consistent with
 *   the reversal. Should that failure hide a commit (the connection dropped after it), the reversal that follows
 *   reopens the entry (`attempt` on an entry this node marked `not-needed`), so the two outcomes still agree.
 *
 * Records go to the database in batches (group commit, one statement per kind of record per batch). Rows marked done
 * are deleted `purgeAfter` ms later (the reversal keeps the PAN: it should not stay longer than needed).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { connectorError } from '../errors.js';
import type { JournalEntry, JournalOutcome, ReversalJournal } from '../journal.js';
import { Batcher } from './batch.js';
import type { BatchResult } from './batch.js';
import { migrate } from './migrations.js';
import { ADD, ANSWERED, ATTEMPT, CLAIM, DONE, FINAL, FORGET, PURGE, RELEASE, RENEW, UNCOUNT } from './saf-sql.js';
import { createPgPool, maskUrl, notCommitted, storeCause, storeError } from './pool.js';
import { DEFAULTS, claimed, leaseLost } from './journal-options.js';
import type { Attempt, Done, PgJournalOptions, Row, Unsettled } from './journal-options.js';

export type { PgJournalOptions } from './journal-options.js';

/** A {@link ReversalJournal} in PostgreSQL that several nodes share, with leases; see the module comment. */
export class PgJournal implements ReversalJournal {
  /** Milliseconds a node holds an entry without renewing it. */
  readonly lease: number;
  /** Milliseconds between claims (and lease renewals): a third of the lease. */
  readonly claimInterval: number;
  /** This node's name in `lease_owner`. */
  readonly owner: string;
  /** The upstream whose entries this journal holds. */
  readonly upstream: string;
  /** Most entries one claim takes. */
  readonly claimBatch: number;
  /** Milliseconds a row marked done stays before it is deleted. */
  readonly purgeAfter: number;
  private readonly url: string | undefined;
  private readonly logger: Logger;
  private pool: pg.Pool | undefined;
  private readonly ownsPool: boolean;
  private readonly adds: Batcher<JournalEntry>;
  private readonly attempts: Batcher<Attempt>;
  private readonly dones: Batcher<Done>;
  /** The entries this node holds (added or claimed, not done, lease not lost). */
  private readonly held = new Set<string>();
  /** Final outcomes that failed to commit, by entry id: retried at each renewal and at close (their entries stay held). */
  private readonly unsettled = new Map<string, Unsettled>();
  /** Entries whose add failed with its fate unknown (it may have committed): ended (`FORGET`) at each renewal and at close. */
  private readonly unsure = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** Claims in progress (close waits for them, so that what they took is handed back too). */
  private readonly claiming = new Set<Promise<unknown>>();
  private opened = false;
  private closed = false;
  /** `close` has tried the unsettled outcomes for the last time: a failure now is the caller's. */
  private released = false;
  /** The store was unreachable at the last renewal (logged once per outage). */
  private down = false;

  constructor(options: PgJournalOptions) {
    if (options.url === undefined && options.pool === undefined) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'a PostgreSQL journal needs a url or a pool', { field: 'store' });
    }
    this.url = options.url;
    this.lease = options.lease ?? DEFAULTS.lease;
    this.claimInterval = Math.max(1, Math.floor(this.lease / 3));
    this.upstream = options.upstream ?? DEFAULTS.upstream;
    this.claimBatch = options.claimBatch ?? DEFAULTS.claimBatch;
    this.purgeAfter = options.purgeAfter ?? DEFAULTS.purgeAfter;
    this.owner = options.owner ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ store: 'postgresql', upstream: this.upstream });
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool;
    this.adds = new Batcher((batch) => this.insert(batch));
    this.attempts = new Batcher((batch) => this.recordAttempts(batch));
    this.dones = new Batcher((batch) => this.markDone(batch));
  }

  /** Entries this node holds now (added or claimed, not done). */
  get size(): number {
    return this.held.size;
  }

  /** Final outcomes (a host's answer, `abandoned`, `expired`) waiting for the database to commit them. */
  get unsettledOutcomes(): number {
    return this.unsettled.size;
  }

  /** Statements run and records carried, per kind of record (records / statements = the group commit factor). */
  get batches(): { add: { statements: number; records: number }; attempt: { statements: number; records: number }; done: { statements: number; records: number } } {
    return { add: { ...this.adds.counts }, attempt: { ...this.attempts.counts }, done: { ...this.dones.counts } };
  }

  /**
   * Connects, brings the schema up to date (`migrate`), starts renewing leases, and claims the entries no live node
   * holds (those of a node that died or closed, once its lease ended).
   */
  async open(): Promise<JournalEntry[]> {
    if (this.closed || this.opened) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was already opened', { field: 'store' });
    this.opened = true;
    try {
      this.pool ??= await createPgPool(this.url as string, { logger: this.logger });
      await migrate(this.pool);
    } catch (err) {
      if (this.ownsPool) await this.pool?.end().catch(() => undefined);
      this.closed = true;
      throw storeError('cannot be opened', err, this.url);
    }
    this.timer = setInterval(() => void this.renew(), this.claimInterval);
    this.timer.unref();
    this.logger.info({ store: this.url === undefined ? undefined : maskUrl(this.url), owner: this.owner, lease: this.lease }, 'SAF store open');
    return this.claim();
  }

  /**
   * Takes over the entries of this upstream whose lease ended (oldest first), `claimBatch` per statement, claiming
   * again while a statement comes back full (a dead node's thousands of entries are taken at once, not a batch per
   * `claimInterval`). Each entry's `at` is this node's clock less the entry's age on the database's clock.
   */
  async claim(): Promise<JournalEntry[]> {
    const pool = this.ready();
    const out: JournalEntry[] = [];
    let rows = 0; // claimed, kept or not
    for (;;) {
      const query = pool.query<Row>(CLAIM, [this.owner, this.lease, this.upstream, this.claimBatch]);
      this.claiming.add(query);
      let batch: Row[];
      try {
        batch = (await query).rows;
      } catch (err) {
        if (rows > 0) break; // what was claimed is kept; the next claim takes the rest
        throw storeError('cannot claim entries', err, this.url);
      } finally {
        this.claiming.delete(query);
      }
      rows += batch.length;
      // Sorted out as each batch arrives, while `unsure` still names the adds a renewal may end (FORGET) meanwhile.
      for (const row of batch) if (this.took(row)) out.push(claimed(row));
      if (batch.length < this.claimBatch || this.closed) break;
    }
    if (out.length > 0) this.logger.warn({ entries: out.length }, 'took over SAF entries whose lease had ended');
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * Adds an entry held by this node; resolves once committed, rejects with `ISO8583_ERR_CONNECTOR_STORE` (the request
   * must then not be sent), also when the commit comes back more than `lease - claimInterval` ms after the call (this
   * node stalled: its lease may have ended and another node may be reversing the entry). Such an entry is ended
   * (`not-sent`) at the next renewal unless another node took it over.
   */
  async add(entry: JournalEntry): Promise<void> {
    this.ready();
    const asked = performance.now();
    await this.adds.push({ ...entry });
    if (performance.now() - asked <= this.lease - this.claimInterval) return;
    this.held.delete(entry.id);
    this.unsure.add(entry.id);
    throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `entry ${entry.id} was stored too late (this node stalled): its request is not sent`, { field: 'safLease' });
  }

  /**
   * Records attempt `attempt` and renews the lease; resolves once committed. Rejects with
   * `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST` when the entry must not be sent: it is done, another node holds it, or
   * the record came back more than `lease - claimInterval` ms after the call (this node stalled: its lease may have
   * ended and another node may be sending it; let go here, the entry is claimed again once the lease ends).
   */
  async attempt(id: string, attempt: number): Promise<void> {
    this.ready();
    const asked = performance.now();
    await this.attempts.push({ id, attempt });
    if (performance.now() - asked <= this.lease - this.claimInterval) return;
    this.held.delete(id);
    // Not sent: the attempt is taken back while no other node took the entry over, so that it is not counted
    // (`saf.maxAttempts`); whoever claims the entry next sends it as a repeat (every entry taken over is).
    await this.pool?.query(UNCOUNT, [this.owner, id, attempt]).catch((err: unknown) => {
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), id }, 'cannot take back an attempt not sent: it counts');
    });
    throw leaseLost(id, 'was recorded too late (this node stalled)');
  }

  /**
   * Marks an entry done; resolves once committed. A host's answer (`reversed`, `delivered`) ends the entry whoever
   * holds it; any other outcome only while this node holds it (else `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`). A
   * final outcome (`reversed`, `delivered`, `abandoned`, `expired`) that cannot be committed now is retried at each
   * renewal, the entry held meanwhile, and resolves when it commits (or rejects when `close` cannot commit it either).
   */
  async done(id: string, outcome: JournalOutcome): Promise<void> {
    this.ready();
    try {
      await this.dones.push({ id, outcome });
    } catch (err) {
      if (!FINAL.has(outcome) || (err as { code?: string }).code !== 'ISO8583_ERR_CONNECTOR_STORE' || this.released) throw err;
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', id, outcome }, 'a SAF entry\'s outcome cannot be committed: held, and tried again until it commits');
      await new Promise<void>((resolve, reject) => this.unsettled.set(id, { id, outcome, resolve, reject }));
    }
  }

  /**
   * Stops renewing, waits for the records in progress, and hands the entries this node still holds back at once (their
   * lease ends now), so that another node takes them over without waiting for the lease.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([this.adds.idle(), this.attempts.idle(), this.dones.idle(), this.renewing, ...[...this.claiming].map((c) => c.catch(() => undefined))]);
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
      u.reject(storeError('cannot mark entries done', undefined, this.url));
    }
    this.unsettled.clear();
    const held = [...this.held];
    if (this.opened && held.length > 0) {
      await pool.query(RELEASE, [this.owner, held]).catch((err: unknown) => {
        this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), entries: held.length }, 'cannot hand the entries back: another node takes them once their lease ends');
      });
    }
    this.held.clear();
    if (this.ownsPool) await pool.end().catch(() => undefined);
  }

  /** Whether a claimed row goes to the SAF queue: not one already handled here (its lease renewal failed), nor one
   * whose add this node saw fail (its request was not sent: ended by the next renewal, never sent). */
  private took(row: Row): boolean {
    if (this.held.has(row.id) || this.unsure.has(row.id)) return false;
    this.held.add(row.id);
    return true;
  }

  /** The pool, or the coded error for a journal not open. */
  private ready(): pg.Pool {
    if (!this.opened || this.closed || this.pool === undefined) {
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store is not open', { field: 'store' });
    }
    return this.pool;
  }

  private async insert(batch: JournalEntry[]): Promise<BatchResult> {
    const pool = this.ready();
    let inserted: Set<string>;
    try {
      const { rows } = await pool.query<{ id: string }>(ADD, [this.upstream, this.owner, this.lease, JSON.stringify(batch)]);
      inserted = new Set(rows.map((r) => r.id));
    } catch (err) {
      // Its fate unknown (it may have committed, or commit later) while its callers are told it failed (their requests
      // are not sent): ended before another node can claim them and send reversals of nothing.
      if (!notCommitted(err)) for (const e of batch) this.unsure.add(e.id);
      throw storeError('cannot add entries', err, this.url);
    }
    return batch.map((e) => {
      if (!inserted.has(e.id)) {
        return connectorError('ISO8583_ERR_CONNECTOR_STORE', `an entry with the id ${e.id} is already in the store`, { field: 'store' });
      }
      this.held.add(e.id);
      return undefined;
    });
  }

  private async recordAttempts(batch: Attempt[]): Promise<BatchResult> {
    let recorded: Set<string>;
    try {
      const { rows } = await this.ready().query<{ id: string }>(ATTEMPT, [
        this.owner,
        this.lease,
        batch.map((a) => a.id),
        batch.map((a) => a.attempt),
      ]);
      recorded = new Set(rows.map((r) => r.id));
    } catch (err) {
      throw storeError('cannot record attempts', err, this.url);
    }
    return batch.map((a) => {
      if (recorded.has(a.id)) {
        this.held.add(a.id);
        return undefined;
      }
      this.held.delete(a.id);
      return leaseLost(a.id);
    });
  }

  /** Marks `batch` done in one statement (through `pool`: `close` passes it once the journal no longer takes calls). */
  private async markDone(batch: readonly Done[], pool: pg.Pool = this.ready()): Promise<BatchResult> {
    let marked: Set<string>;
    try {
      const { rows } = await pool.query<{ id: string }>(DONE, [
        this.owner,
        batch.map((d) => d.id),
        batch.map((d) => d.outcome),
        [...ANSWERED],
      ]);
      marked = new Set(rows.map((r) => r.id));
    } catch (err) {
      throw storeError('cannot mark entries done', err, this.url);
    }
    return batch.map((d) => {
      const ok = marked.has(d.id) || ANSWERED.has(d.outcome);
      this.held.delete(d.id);
      return ok ? undefined : leaseLost(d.id);
    });
  }

  /** Ends the entries whose add failed with its fate unknown (see `unsure`); those ended are forgotten. */
  private async forget(pool: pg.Pool): Promise<void> {
    const ids = [...this.unsure];
    if (ids.length === 0) return;
    await pool.query(FORGET, [this.owner, this.upstream, ids]);
    for (const id of ids) this.unsure.delete(id);
  }

  /** Tries the final outcomes that failed to commit again, in one statement; those that commit settle their `done`. */
  private async settle(pool: pg.Pool): Promise<void> {
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
  private renew(): Promise<void> {
    if (this.closed || this.renewing !== undefined) return this.renewing ?? Promise.resolve();
    this.renewing = this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const pool = this.pool;
    if (pool === undefined) return;
    try {
      await this.settle(pool);
      await this.forget(pool);
      const ids = [...this.held];
      if (ids.length > 0) {
        const { rows } = await pool.query<{ id: string }>(RENEW, [this.owner, this.lease, ids]);
        const renewed = new Set(rows.map((r) => r.id));
        const lost = ids.filter((id) => !renewed.has(id) && this.held.delete(id));
        if (lost.length > 0) this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', entries: lost.length }, 'entries taken over by another node');
      }
      await pool.query(PURGE, [this.purgeAfter]);
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
