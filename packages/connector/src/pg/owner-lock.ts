/**
 * A node's owner lock in the shared SAF queue: a session advisory lock keyed on its `lease_owner` (owner-lock-sql.ts),
 * held on a connection of its own for the journal's life. The server releases it when that session ends, which is how
 * another node tells, at once and without a clock, that the owner no longer runs (it died, even by SIGKILL, or its
 * connection was cut) and claims its entries without waiting for their lease (saf-sql.ts, `CLAIM_GONE`), except the
 * reversal of an original added less than a lease ago (fenced: its node may still write the original, `ADD`).
 *
 * The session can end while the process lives (a cut connection, `pg_terminate_backend`, `idle_session_timeout`):
 * from then on the node's entries may be claimed by another node, so it stops using them until it holds the lock
 * again (taken again at each renewal): an attempt commits only while the lock is held (`ATTEMPT` checks it, in the
 * same statement), an add or an attempt whose lock broke while it was under way is not sent, and an original whose
 * entry was added before the break is not written (`heldSince`, `ReversalManager.late`). Taking the lock again waits
 * for another node's claim under way that found this owner gone (`REGISTER` waits for its lock on the owner's row,
 * owner-lock-sql.ts): the entries it takes are that node's by the time this one can record an attempt.
 *
 * Not behind a relay that pools by transaction (pgbouncer's `pool_mode = transaction`): a session lock there lives
 * on a server connection the relay shares and closes as it likes. Turn it off there (`ownerLock: false`): the time
 * lease alone then says when an entry can be claimed.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { connectorError } from '../errors.js';
import { pgDriver, storeCause } from './pool.js';
import { END_HUNG, FILL_SERVER_TOKEN, REGISTER, TAKE_KEY_LOCKS, UNREGISTER } from './owner-lock-sql.js';
import { SessionKeepalive } from './session-keepalive.js';

/** The owner lock of one journal; see the module comment. */
export class OwnerLock {
  /** The lock's key (the owner's row's number), once registered. */
  key: number | undefined;
  /**
   * The server process of the session that took the lock last, and when it started (`REGISTER`'s `pid`, `started`):
   * what a `not-needed` names as this process's lock (owner-lock-sql.ts `ownerGone`), null until taken.
   */
  get session(): { pid: number | null; started: string | null } {
    return { pid: this.backend?.pid ?? null, started: this.backend?.started ?? null };
  }
  /** The `performance.now()` time since which the lock has been held without a break; `undefined` while it is not held. */
  heldSince: number | undefined;
  private client: pg.Client | undefined;
  /** The session `close` is ending (its `UNREGISTER` under way): still reachable for {@link OwnerLock.cut}. */
  private closingClient: pg.Client | undefined;
  private taking: Promise<boolean> | undefined;
  /**
   * The connection a take is still making (its start-up not answered yet): ended by `close` and `cut`, which otherwise
   * waited for the connect timeout of a store gone silent.
   */
  private connecting: pg.Client | undefined;
  private pinging = false;
  /**
   * The server process of a lock session this node gave up for not answering its ping (its connection hung): the
   * server may still run it, holding this owner's lock, which the next take then ends (`END_HUNG`).
   */
  private hung: Backend | undefined;
  /** The server process of the lock's session now held (`client`), and when it started: `REGISTER`'s answer. */
  private backend: Backend | undefined;
  /** The TCP keepalive the lock's session asks of the server (a refusal said once, at debug). */
  private readonly keepalive: SessionKeepalive;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly owner: string,
    private readonly logger: Logger,
    /** Called each time the lock is taken (at open, and again once lost): the journal ends the leases it let go. */
    private readonly onTaken: () => void = () => undefined,
    /** The upstream key the owner's entries are added under (recorded with its row: only its claims find it gone). */
    private readonly upstream: string | null = null,
    /**
     * Milliseconds the lock's session may take to answer a renewal's ping (`PgJournal`: its claim interval, `lease / 3`,
     * at least {@link PING_WAIT_MIN}). Default {@link TAKE_WAIT}.
     */
    private readonly pingWait: number = TAKE_WAIT,
    /** The store keys the journal claims: their key locks are held with the owner lock (owner-lock-sql.ts `TAKE_KEY_LOCKS`). */
    private readonly keys: readonly string[] = [],
    /** The owner's bank (upstream-marker.ts `upstreamAddress` form), recorded with its row: only its bank's claims find it gone. Default none: any's. */
    private readonly bank: string | null = null,
  ) {
    this.keepalive = new SessionKeepalive(logger, 'the owner lock\'s session');
  }

  /**
   * Takes the lock; rejects with `ISO8583_ERR_CONNECTOR_OPTIONS` (field `owner`) when a session of another journal
   * of the same `owner` name holds it, or with the driver's error when the database cannot be reached or does not
   * answer in time (the pool's connect and statement timeouts, else {@link TAKE_WAIT} ms each), or with
   * `ISO8583_ERR_CONNECTOR_STORE` (field `store`) when `close` came meanwhile (the lock, taken or not, is let go).
   */
  async open(): Promise<void> {
    if (await this.take()) return;
    if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was closed while it was being opened', { field: 'store' });
    throw sameOwnerRuns();
  }

  /**
   * At each renewal: takes the lock again once lost (failures are the renewal's), else checks that its session answers
   * (not awaited: a session whose connection hangs does not hold the renewal, whose statement checks the lock itself).
   * A ping not answered within `pingWait` ms, asked again on a fresh bound and still not answered (a hung connection,
   * found within `PING_TRIES * pingWait` ms), is the lock lost (logged `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`, its
   * cause `ISO8583_ERR_CONNECTOR_STORE` naming the bound): its connection is dropped and the lock taken again at the
   * next renewal; a session the server still runs on the hung connection is ended then, so that it can be.
   */
  async renew(): Promise<void> {
    if (this.closed) return;
    const client = this.client;
    if (client === undefined) {
      await this.take();
      return;
    }
    if (this.heldSince === undefined || this.pinging) return;
    // A session ended by the server while idle (its FATAL message lost, say) shows here, not before.
    this.pinging = true;
    void this.ping(client).finally(() => {
      this.pinging = false;
    });
  }

  /**
   * Pings the session of `client`, each ping bounded by `pingWait` ms, up to {@link PING_TRIES} times in a row: a ping
   * that passed its bound is asked again on a fresh one (queued behind it, so it is answered only once the first is)
   * before the lock is taken as lost. The driver arms a ping's bound when the ping is sent: after an event-loop stall
   * longer than `pingWait` the bound's timer runs before the answer already in the socket is read, and one timer alone
   * took a live session for lost (other nodes then took over this node's entries). A hung connection is found within
   * `PING_TRIES * pingWait` ms of its ping (plus the stalls of the loop).
   */
  private async ping(client: pg.Client): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        const ping: pg.QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: this.pingWait };
        await client.query(ping);
        return;
      } catch (err) {
        if (client !== this.client || (err as { message?: unknown }).message !== 'Query read timeout') {
          this.lost(client, err);
          return;
        }
        if (tries < PING_TRIES) continue;
        // Hung (no answer, no end): the session may still live on the server, holding the lock; ended at the next take.
        this.hung = this.backend;
        this.lost(client, connectorError('ISO8583_ERR_CONNECTOR_STORE', `the owner lock's session did not answer a ping within ${this.pingWait} ms (lease / 3), ${PING_TRIES} times in a row`, { field: 'lease' }), true);
        return;
      }
    }
  }

  /**
   * A statement sent during the hold that began at `since` (`heldSince` then) was refused for want of this lock (`ADD`,
   * `RENEW`: the server saw no session holding it): its session ended, whether or not that end reached this node (its
   * FATAL message lost, a half-open connection). The lock is taken as lost (logged once) and taken again at once, one
   * take at a time (the adds and attempts that come meanwhile wait for that take). A refusal of a hold before the one
   * now (the lock taken again since the statement was sent) changes nothing.
   */
  refused(since: number | undefined): void {
    const client = this.client;
    if (this.closed || since === undefined) return;
    if (client !== undefined) {
      if (this.heldSince !== since) return;
      this.lost(client, new Error('a statement found the owner lock not held'));
    }
    this.take().catch(() => undefined); // the database unreachable: the next add, attempt or renewal tries again
  }

  /**
   * Takes the lock again now if it is lost (an add or an attempt is waiting for it); resolves with whether it is held.
   * Rejects with the driver's error when the database cannot be reached or does not answer in time (as `open`).
   */
  async retake(): Promise<boolean> {
    if (this.heldSince !== undefined) return true;
    if (this.closed) return false;
    return this.take();
  }

  /**
   * Forgets the owner (the entries it still holds wait for their lease) and ends the session (the server unlocks). Once
   * the lock was given up for a hung connection and not taken again, the session the server may still run on it (the
   * lock held: the same owner started again was refused as "another journal") is ended instead (`END_HUNG`), bounded
   * as a take is; a failure is logged, and that session then holds the lock until the server ends it. A take still
   * connecting is ended at once (its lock would be let go as soon as taken); one past its connect is waited for.
   */
  async close(): Promise<void> {
    this.closed = true;
    // A take still connecting is of no use now (it would let its lock go at once): ended, not waited for.
    this.endConnecting();
    await this.taking?.catch(() => false);
    const client = this.client;
    if (client === undefined) {
      await this.endHung();
      return;
    }
    this.client = undefined;
    this.heldSince = undefined;
    // Bounded as a take is (its connection may have gone silent): then closed without waiting for the server, which a
    // close's cut does not do for a connection of a pool the journal did not make.
    // Kept for a cut meanwhile (the journal's close outlasting its `closeTimeout`): it destroys this session at once,
    // instead of the close waiting for the UNREGISTER's own bound (up to the statement timeout).
    this.closingClient = client;
    const unregister: pg.QueryConfig & { query_timeout: number } = { text: UNREGISTER, values: [this.owner], query_timeout: this.waits().register };
    try {
      await client.query(unregister);
    } catch (err) {
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err) }, 'cannot forget this node\'s owner: the entries it still holds may be claimed before their lease ends');
      this.closingClient = undefined;
      destroyClient(client);
      return;
    }
    this.closingClient = undefined;
    await client.end().catch(() => undefined);
  }

  /**
   * At close, with no session of its own: ends the session given up for hanging (`hung`), if any, on a connection made
   * for it (kept for a {@link OwnerLock.cut} meanwhile). Never rejects.
   */
  private async endHung(): Promise<void> {
    const hung = this.hung;
    if (hung === undefined) return;
    this.hung = undefined;
    const waits = this.waits();
    const client = new (pgDriver().Client)({ ...this.config, connectionTimeoutMillis: waits.connect, query_timeout: undefined, statement_timeout: undefined });
    client.on('error', () => undefined);
    this.closingClient = client;
    try {
      await client.connect();
      const end: pg.QueryConfig & { query_timeout: number } = { text: END_HUNG, values: [hung.pid, this.owner, hung.started], query_timeout: waits.register };
      await client.query(end);
      await client.end().catch(() => undefined);
    } catch (err) {
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', cause: storeCause(err), owner: this.owner }, 'cannot end the owner lock\'s hung session: it holds the lock (the same owner cannot start again, and other nodes take its entries only once their lease ends) until the server ends it');
      destroyClient(client);
    } finally {
      this.closingClient = undefined;
    }
  }

  /** How long the lock's connection may take to be made, and its REGISTER or UNREGISTER: the pool's, else TAKE_WAIT. */
  private waits(): { connect: number; register: number } {
    return { connect: positive(this.config.connectionTimeoutMillis) ?? TAKE_WAIT, register: positive(this.config.query_timeout) ?? TAKE_WAIT };
  }

  /**
   * Ends the session at once (a close that outlasted its bound), also one whose `close` is under way, and a take still
   * connecting (it fails with `ISO8583_ERR_CONNECTOR_STORE`, as when `close` ends it). A session given
   * up for hanging (`hung`) is not ended then (nor later by `close`): that needs a new connection to a store that
   * stopped answering, and a cut waits for none. Logged: that session holds the lock until the server ends it.
   */
  cut(): void {
    this.closed = true;
    const client = this.client ?? this.closingClient;
    this.client = undefined;
    this.closingClient = undefined;
    this.heldSince = undefined;
    if (this.hung !== undefined) {
      this.hung = undefined;
      this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', owner: this.owner }, 'the owner lock\'s hung session is not ended (the store did not answer at close): it holds the lock (the same owner cannot start again, and other nodes take its entries only once their lease ends) until the server ends it');
    }
    if (client !== undefined) destroyClient(client);
    this.endConnecting();
  }

  /** Ends the connection a take is still making (`connecting`), if any: that take fails at once (`destroyClient`). */
  private endConnecting(): void {
    const client = this.connecting;
    this.connecting = undefined;
    if (client !== undefined) destroyClient(client, connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was closed while the owner lock was being taken', { field: 'store' }));
  }

  private take(): Promise<boolean> {
    this.taking ??= this.takeOnce().finally(() => {
      this.taking = undefined;
    });
    return this.taking;
  }

  private async takeOnce(): Promise<boolean> {
    // No statement timeout for the session: it only waits, and a slow answer to a ping is not a lost lock. Its making
    // and its REGISTER are bounded (the pool's waits, else TAKE_WAIT): adds and renewals wait for a take, and one on a
    // connection gone silent held them all for ever, also once the database answered again.
    const waits = this.waits();
    const client = new (pgDriver().Client)({ ...this.config, connectionTimeoutMillis: waits.connect, keepAlive: true, query_timeout: undefined, statement_timeout: undefined });
    client.on('error', (err: unknown) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      this.connecting = client;
      try {
        await client.connect();
      } finally {
        if (this.connecting === client) this.connecting = undefined;
      }
      if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the store was closed while the owner lock was being taken', { field: 'store' });
      // A node gone silent has this session, and its lock, ended by the server (session-keepalive.ts) instead of after
      // the system's default (over 2 hours: the node restarted under a fixed owner name was refused until then as
      // "another journal", and its owner was not found gone). Bounded: a silent connection fails the take.
      await this.keepalive.ask(client, waits.register);
      // node-postgres reads a query's own `query_timeout` (its types leave it out). Should it pass, the client is
      // destroyed below: a REGISTER the server still runs ends with its session, and its lock with it.
      const fill: pg.QueryConfig & { query_timeout: number } = { text: FILL_SERVER_TOKEN, query_timeout: waits.register };
      await client.query(fill);
      let ended = false;
      if (this.hung !== undefined) {
        // The session given up for hanging may still hold the lock on the server (nothing told it to end): ended first.
        const end: pg.QueryConfig & { query_timeout: number } = { text: END_HUNG, values: [this.hung.pid, this.owner, this.hung.started], query_timeout: waits.register };
        ended = (await client.query(end)).rows.length > 0;
        this.hung = undefined;
      }
      const register: pg.QueryConfig & { query_timeout: number } = { text: REGISTER, values: [this.owner, this.upstream, this.bank], query_timeout: waits.register };
      let { rows } = await client.query<Registered>(register);
      // The session just ended lets its lock go once the server has ended it (a moment): asked again until then.
      const until = performance.now() + waits.register;
      while (ended && rows[0]?.locked === false && !this.closed && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ({ rows } = await client.query<Registered>(register));
      }
      const row = rows[0];
      if (row === undefined || !row.locked || this.closed) {
        await client.end().catch(() => undefined);
        return false;
      }
      // The keys it claims, seen by a start at another bank (upstream-marker.ts) while this session lives.
      const keyLocks: pg.QueryConfig & { query_timeout: number } = { text: TAKE_KEY_LOCKS, values: [[...this.keys]], query_timeout: waits.register };
      await client.query(keyLocks);
      this.client = client;
      this.backend = { pid: row.pid, started: row.started };
      const again = this.key !== undefined;
      this.key = row.key;
      this.heldSince = performance.now();
      if (again) this.logger.info({ owner: this.owner }, 'owner lock held again: this node uses its SAF entries again');
      this.onTaken();
      return true;
    } catch (err) {
      destroyClient(client);
      throw err;
    }
  }

  /** The session of `client` ended (or failed, or `hung`: it did not answer its ping in time): the lock is gone with it. */
  private lost(client: pg.Client, err?: unknown, hung = false): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.heldSince = undefined;
    destroyClient(client);
    if (this.closed) return;
    this.logger.warn(
      { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', cause: err === undefined ? undefined : storeCause(err), owner: this.owner, ...(hung ? { pingWait: this.pingWait, error: (err as Error).message } : {}) },
      'owner lock lost (its session ended): other nodes may claim this node\'s SAF entries at once; it sends none until it holds the lock again',
    );
  }
}

/** The refusal of a start under an owner name a session holds the lock of; `lockless` (`ownerLock: false`) names a relay too. */
export function sameOwnerRuns(lockless = false): Error {
  const relay = lockless ? ' (or a relay pooling by transaction still holds an earlier run\'s lock: restart its server connections)' : '';
  return connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `another journal that runs has the same owner name${relay}: each needs its own`, { field: 'owner' });
}

/**
 * Milliseconds the making of the lock's connection, and its `REGISTER` (at close its `UNREGISTER`), may take when the
 * pool sets no bound of its own (a pool given by the caller): a take that outlasts it fails, as the database
 * unreachable does.
 */
export const TAKE_WAIT = 10_000;

/** The shortest bound of a ping of the lock's session (ms): a lease of 3 s or less pings with this bound. */
export const PING_WAIT_MIN = 1_000;

/**
 * How many pings of the lock's session, each on a fresh bound, must pass their bound in a row before the lock is taken
 * as lost (one timer run late by an event-loop stall is not a hung connection).
 */
export const PING_TRIES = 2;

/** A server process of the lock's session: its number (`pg_backend_pid()`) and its start (`REGISTER`'s `started`). */
interface Backend {
  pid: number;
  /** Microseconds since the epoch, as the driver reads a `bigint` (`null`: not seen, and no session is ever ended). */
  started: string | null;
}

/** What `REGISTER` returns. */
interface Registered extends Backend {
  key: number;
  locked: boolean;
}

/** `value` when it is a number above 0, else `undefined`. */
function positive(value: unknown): number | undefined { return typeof value === 'number' && value > 0 ? value : undefined; }

/**
 * Closes `client`'s socket without waiting for the server, with `reason` (`ISO8583_ERR_CONNECTOR_STORE`) that its
 * statements in flight, and a connect under way, fail with: the driver settles no connect whose socket merely closed
 * while the client was ended (a close waiting for that connect waited for ever).
 */
function destroyClient(client: pg.Client, reason: Error = connectionEnded()): void {
  (client as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection?.stream?.destroy(reason);
  void client.end().catch(() => undefined);
}

/** The error a connection of the lock's that this node ended fails with: no value of any record in it. */
function connectionEnded(): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', 'the owner lock\'s connection was ended by this node (lost, given up, or the store closed)', { field: 'store' });
}
