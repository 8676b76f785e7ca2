/**
 * One request at a time per terminal (field 41) across every node on one database: where `terminalQueue` is on and
 * the store is PostgreSQL, a request holds a session advisory lock on its terminal (`pg_advisory_lock(namespace,
 * hash of field 41)`) from before it is sent until its outcome is known, on a connection taken from a pool of its
 * own for that time. A request of the same terminal on another node waits for the lock (at most `waitTimeout` ms,
 * the wait for a free connection of that pool counted, then `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`, as when no
 * connection came free in that time: every one held by requests of other terminals). Two terminals whose hashes
 * collide merely wait for each other.
 * Should the lock's connection break while the request runs (a database restart ends it with SQLSTATE 57P01), the
 * server releases the lock: it is logged as lost (with the code) and the one-at-a-time rule then holds within the node
 * only, until the request ends. The request itself goes on: once written it is at the bank, and it keeps its one
 * outcome (its answer, or a timeout and its reversal); the broken connection is dropped, never put back in the pool.
 * A node that goes silent (power lost, network cut: no FIN) holds its locks until the server ends its sessions: about
 * 60 s on a direct TCP connection, by the TCP keepalive and user timeout each lock's session asks of the server
 * (session-keepalive.ts; behind a pooler, the pooler's own settings say when).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { connectorError } from '../errors.js';
import { DEFAULT_TERMINAL_LOCK_CONNECTIONS } from '../option-limits.js';
import { MAX_TIMER_DELAY, within } from '../timeouts.js';
import type { TerminalLock } from '../terminal-queue.js';
import { PG_DESTROY_GRACE, createPgPool, cutError, cutPgPool, storeCause, storeError } from './pool.js';
import { LOCK_RELEASE, LOCK_TRY, LOCK_WITH_TIMEOUT, refusesLockTimeout } from './terminal-lock-sql.js';
import { SessionKeepalive } from './session-keepalive.js';

/** Options of {@link PgTerminalLock}. */
export interface PgTerminalLockOptions {
  /** The connection string of the store. */
  url: string;
  /**
   * Most requests holding a lock at once on this node (connections of its pool): a positive integer. Default 20
   * ({@link DEFAULT_TERMINAL_LOCK_CONNECTIONS}).
   */
  max?: number;
  /**
   * Milliseconds a request waits for a free connection and its terminal's lock, in all: an integer from 1 to
   * 2147478647 ({@link MAX_TERMINAL_LOCK_WAIT}). Default 30000.
   */
  waitTimeout?: number;
  /** Where connection errors go. Default: a silent logger. */
  logger?: Logger;
}

export { TERMINAL_LOCK_KEEPALIVE } from './session-keepalive.js';

/** The longest `waitTimeout`: a timer's longest delay less the 5 s its statements get beyond it. */
export const MAX_TERMINAL_LOCK_WAIT = MAX_TIMER_DELAY - 5_000;

/** The first key of every terminal lock: keeps them apart from other advisory locks on the database. */
export const TERMINAL_LOCK_NAMESPACE = 858_300_002;

/** The lock key of a terminal id: FNV-1a (32 bits, as a signed int4) of its UTF-8 bytes. */
export function terminalLockKey(terminal: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(terminal, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The advisory lock per terminal; see the module comment. */
export class PgTerminalLock implements TerminalLock {
  /** The pool, made at the first request (the driver is loaded then). */
  private pool: Promise<pg.Pool> | undefined;
  private readonly url: string;
  private readonly wait: number;
  private readonly max: number;
  private readonly logger: Logger;
  private closed = false;
  /** The TCP keepalive each session asks of the server (a refusal said once). */
  private readonly keepalive: SessionKeepalive;
  /** The server refused `lock_timeout` in the lock's statement once: the pool takes its locks plainly from then on. */
  private lockTimeoutRefused = false;
  /** Connections checked out of the pool by requests (made, not merely being made): the pool is busy at `max`. */
  private checkedOut = 0;
  /** The close under way (`close` and `destroy` share it). */
  private closing: Promise<void> | undefined;
  /** Connections waiting for a lock: ended on close, so that a destroy does not wait for another node's request. */
  private readonly waiting = new Set<pg.PoolClient>();

  /**
   * Throws `ISO8583_ERR_CONNECTOR_OPTIONS` naming the option when `url` is not a string, `waitTimeout` not an integer
   * from 1 to {@link MAX_TERMINAL_LOCK_WAIT}, or `max` not a positive integer (a wait of 0 waited for a free connection
   * for ever, one not a number for the lock for ever, a `max` of 0 took no lock ever).
   */
  constructor(options: PgTerminalLockOptions) {
    if (typeof options.url !== 'string') throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a postgresql:// URL', { field: 'store' });
    const wait = options.waitTimeout;
    if (wait !== undefined && (!Number.isInteger(wait) || wait < 1 || wait > MAX_TERMINAL_LOCK_WAIT)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `must be an integer of milliseconds from 1 to ${MAX_TERMINAL_LOCK_WAIT}`, { field: 'waitTimeout' });
    }
    if (options.max !== undefined && (!Number.isInteger(options.max) || options.max < 1)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a positive integer', { field: 'max' });
    }
    this.url = options.url;
    this.wait = options.waitTimeout ?? 30_000;
    this.max = options.max ?? DEFAULT_TERMINAL_LOCK_CONNECTIONS;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ store: 'postgresql', part: 'terminal-lock' });
    this.keepalive = new SessionKeepalive(this.logger, 'the terminal lock sessions');
  }

  private connectPool(): Promise<pg.Pool> {
    const statementTimeout = this.wait + LOCK_STATEMENT_MARGIN;
    this.pool ??= createPgPool(this.url, { logger: this.logger, max: this.max, connectTimeout: this.wait, statementTimeout }).then((pool) => {
      pool.on('connect', (client) => {
        // The server's statement timeout as the client's own (`query_timeout`: the wait and a margin), whatever the
        // database or role sets: a shorter one (ALTER DATABASE ... SET statement_timeout = '1s', common on managed
        // servers) ended a busy terminal's wait for its lock with a store error (57014) long before its own wait. It
        // cannot be set in the lock's statement, as `lock_timeout` is: the server arms it as the statement starts.
        client.query(`SET statement_timeout = ${Math.floor(statementTimeout)}`).catch((err: unknown) => {
          this.logger.warn({ code: 'ISO8583_WARN_TERMINAL_LOCK_SETTING', cause: storeCause(err) }, 'statement_timeout not set on a terminal lock session: the database\'s own may end a lock\'s wait early');
        });
        // A lock not granted in time fails (SQLSTATE 55P03) instead of holding the request: a statement of its own, so
        // that a refused keepalive SET below cannot roll it back (statements of one query share one transaction).
        client.query(`SET lock_timeout = ${Math.max(1, Math.floor(this.wait))}`).catch((err: unknown) => {
          this.logger.warn({ code: 'ISO8583_WARN_TERMINAL_LOCK_SETTING', cause: storeCause(err) }, 'lock_timeout not set on a terminal lock session: a lock is waited for up to the statement timeout');
        });
        // A node gone silent has its session, and its locks, ended by the server (session-keepalive.ts; ignored over
        // a Unix socket; behind a pooler, the pooler's socket is the one kept alive). A connection that broke meanwhile
        // is the pool's to drop.
        this.keepalive.ask(client).catch(() => undefined);
      });
      return pool;
    });
    return this.pool;
  }

  /**
   * Runs `task` while holding the lock of `terminal`; its outcome is the task's. `wait`: the milliseconds left of the
   * request's `terminalQueue.timeout` (its wait in the node's terminal queue spent): the lock's wait gets no more than
   * that, nor more than `waitTimeout`. Default: `waitTimeout`.
   */
  async hold<T>(terminal: string, task: () => Promise<T>, wait: number = this.wait): Promise<T> {
    if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed');
    const key = terminalLockKey(terminal);
    const asked = performance.now();
    const budget = Number.isFinite(wait) ? Math.min(this.wait, Math.max(0, wait)) : this.wait;
    let client: pg.PoolClient;
    try {
      client = await connectWithin(await this.connectPool(), budget < this.wait ? budget : undefined);
    } catch (err) {
      if (err === SPENT) {
        throw connectorError('ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', 'waited too long for its terminal: terminalQueue.timeout spent before a connection of the terminal lock came', {
          field: 'terminalQueue.timeout',
        });
      }
      // No connection came free in time because every one is held by requests of other terminals (counted here, not
      // read from the pool's message: a connection still being made counts as busy there): a wait of this node. Else
      // (a connection not made in time, a black-holed database) the store's failure.
      if (this.checkedOut >= this.max) {
        throw connectorError('ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', `waited too long for a connection of the terminal lock: all ${this.max} held by requests of other terminals`, {
          field: 'terminalQueue.timeout',
          cause: err,
        });
      }
      throw storeError('cannot take a connection for the terminal lock', err);
    }
    // The pool listens for the errors of idle connections only: this one, checked out, needs its own listener for
    // as long as it is out, or a database restart is an unhandled 'error' event that ends the process.
    let lost: Error | undefined;
    /** The request gave up before its lock was granted (its connection may still wait for a try's answer). */
    let gaveUp = false;
    const onError = (err: Error): void => {
      lost ??= err;
      if (gaveUp) return; // No lock of a request was held on it: nothing lost, the connection is dropped.
      this.logger.warn({ code: 'ISO8583_WARN_TERMINAL_LOCK_LOST', cause: storeCause(err), terminalLock: key }, 'terminal lock lost: its connection to the store broke');
    };
    client.on('error', onError);
    this.checkedOut++;
    let released = false;
    const release = (broken?: boolean): void => {
      if (released) return;
      released = true;
      this.checkedOut--;
      client.removeListener('error', onError);
      client.release(broken === true || lost !== undefined);
    };
    this.waiting.add(client);
    try {
      await this.lock(client, key, asked, budget);
      this.waiting.delete(client);
    } catch (err) {
      this.waiting.delete(client);
      gaveUp = true;
      // The connection goes back to the pool when its session is known clean: the server ended the wait itself
      // (55P03, lock_timeout: the statement is over, nothing granted, nothing waiting), a try found the lock held and
      // the budget spent (no statement under way), or a try answered after the budget (LateTry: once answered, a lock
      // it was granted unlocked first). Else (a try unanswered within LOCK_ANSWER_MARGIN more, a statement timeout, a
      // broken connection, a close) a wait may linger on the server, or a lock be granted late: it is destroyed.
      // Destroying it after every busy terminal made a new connection, and a new session, for each request that
      // waited too long.
      const code = (err as { code?: string } | undefined)?.code;
      if (err instanceof LateTry && !this.closed) {
        // Given up on time; the connection waits for the try's answer (kept in `waiting`: a close ends it).
        this.waiting.add(client);
        const settled = (broken?: boolean): void => {
          this.waiting.delete(client);
          release(broken);
        };
        err.trying.then(
          (locked) => {
            if (!locked) return settled();
            client.query(LOCK_RELEASE, [TERMINAL_LOCK_NAMESPACE, key]).then(() => settled(), () => settled(true));
          },
          () => settled(true),
        );
      } else {
        if (err instanceof LateTry) err.trying.catch(() => undefined);
        release(this.closed || !(code === '55P03' || err === LOCK_SPENT));
      }
      if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed', { cause: err });
      if (err instanceof LateTry || err === LOCK_SPENT || err === LOCK_UNANSWERED || code === '55P03') {
        throw connectorError('ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', 'waited too long for its terminal, busy on another node', {
          field: 'terminalQueue.timeout',
          cause: err,
        });
      }
      throw storeError('cannot lock the terminal', err);
    }
    try {
      return await task();
    } finally {
      // Not awaited: the task's outcome (an answer the bank gave) goes to its caller at once, not once a store that
      // stopped answering gave up the unlock (the statement timeout, waitTimeout + 5 s: a terminal told the outcome of
      // an approval that late had timed out). The lock stays held until the unlock is done, so the next request of
      // the terminal, here or on another node, waits for it on the server as before. The connection goes back to the
      // pool once unlocked; an unlock failed or unanswered drops it, and the server ends its session and lock with it.
      if (lost === undefined) {
        client.query(LOCK_RELEASE, [TERMINAL_LOCK_NAMESPACE, key]).then(
          () => release(),
          () => release(true),
        );
      } else {
        release(true); // The session is gone, and its locks with it.
      }
    }
  }

  /**
   * Takes the lock of `key` on `client`: with its own `lock_timeout` (what is left of the wait `budget` since `asked`),
   * so that the server itself ends its wait in time; else, on a server that refuses that setting (remembered for this
   * pool, logged once), by trying it ({@link LOCK_TRY}) until granted, pausing between tries ({@link TRY_FIRST_PAUSE}
   * ms, doubled each time up to {@link TRY_LAST_PAUSE}), within what is left of the budget: past it, rejects with
   * {@link LOCK_SPENT}. A try never waits on the server, so a request given up leaves no backend waiting for the lock
   * (a blocking `pg_advisory_lock` given up on the client went on waiting on the server, which does not read the
   * socket of a backend blocked on a lock: one backend more past the pool's `max` for each request given up). Tries
   * are not queued as the server queues its waits: a terminal freed goes to whichever request tries first.
   */
  private async lock(client: pg.PoolClient, key: number, asked: number, budget: number): Promise<void> {
    // Only what is left of the wait, the wait for a connection (and in the node's terminal queue) counted (it once
    // added a whole wait).
    const rest = (): number => budget - (performance.now() - asked);
    const left = (): number => Math.max(1, Math.ceil(rest()));
    if (!this.lockTimeoutRefused) {
      // Set for this statement alone (its own transaction), before it asks for the lock. Bounded on the client too, by
      // what is left and LOCK_ANSWER_MARGIN: a store that stops answering cannot end the wait itself, and the pool's
      // statement timeout (the whole `waitTimeout` and LOCK_STATEMENT_MARGIN) held the request that long whatever it
      // had left. node-postgres reads a query's own `query_timeout` (its types leave it out); passed, the statement's
      // connection is dropped (hold), and with it a wait the server may still run.
      const leftNow = left();
      const locking: pg.QueryConfig & { query_timeout: number } = {
        text: LOCK_WITH_TIMEOUT,
        values: [TERMINAL_LOCK_NAMESPACE, key, String(leftNow)],
        query_timeout: leftNow + LOCK_ANSWER_MARGIN,
      };
      try {
        await client.query(locking);
        return;
      } catch (err) {
        if (!refusesLockTimeout(err)) throw err;
        this.lockTimeoutRefused = true;
        this.logger.warn({ code: 'ISO8583_WARN_TERMINAL_LOCK_SETTING', cause: storeCause(err) }, 'lock_timeout refused by the server: a terminal lock is tried again and again within its wait');
      }
    }
    for (let pause = TRY_FIRST_PAUSE; ; pause = Math.min(2 * pause, TRY_LAST_PAUSE)) {
      if (this.closed) throw connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed');
      // node-postgres reads a query's own `query_timeout` (its types leave it out): a server that stops answering a
      // try has its connection dropped LOCK_ANSWER_MARGIN past the budget (and a lock granted with it).
      // A try never waits on the server, so its answer is waited for past the request's wait (LOCK_ANSWER_MARGIN):
      // the request gives up on time ({@link LateTry}) while the connection waits for the answer and goes back to the
      // pool clean (a lock granted late unlocked first). Dropping it whenever a try's answer came after the request's
      // wait (a busy machine: a try sent with a few ms left) made a new connection, and session, for each.
      const tried: pg.QueryConfig & { query_timeout: number } = { text: LOCK_TRY, values: [TERMINAL_LOCK_NAMESPACE, key], query_timeout: left() + LOCK_ANSWER_MARGIN };
      const trying = client.query<{ locked: boolean }>(tried).then(
        (result) => result.rows[0]?.locked === true,
        (err: unknown) => {
          throw (err as { message?: unknown }).message === 'Query read timeout' ? LOCK_UNANSWERED : err;
        },
      );
      if (!(await within(trying, left()))) throw new LateTry(trying);
      if (await trying) return;
      // No try is sent with less than TRY_LEAST ms left: its answer could hardly come in time (the request would give
      // up with its connection busy until the answer comes).
      if (rest() < TRY_LEAST) throw LOCK_SPENT;
      await sleep(Math.min(pause, left()));
      if (rest() < TRY_LEAST) throw LOCK_SPENT;
    }
  }

  /** Ends the pool (the locks go with their sessions) once the terminals held are unlocked. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  /**
   * `close` (the connector's `destroy`), bounded by `PG_DESTROY_GRACE` ms: a store that stopped answering the unlocks
   * of the requests just failed (each waits up to the statement timeout, `waitTimeout` + 5 s) has its connections cut
   * then. The server ends those sessions, and their locks with them, once it sees them gone.
   */
  async destroy(): Promise<void> {
    const closing = this.close();
    if (await within(closing, PG_DESTROY_GRACE)) return;
    const pool = await this.pool?.catch(() => undefined);
    if (pool !== undefined) await cutPgPool(pool, cutError(PG_DESTROY_GRACE));
    await closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    for (const client of this.waiting) void (client as pg.PoolClient & { end(): Promise<void> }).end().catch(() => undefined);
    const pool = await this.pool?.catch(() => undefined);
    await pool?.end().catch(() => undefined);
  }
}

/** The rejection of {@link connectWithin} when the request's wait passed. */
const SPENT = new Error('the wait for a connection of the terminal lock passed');

/**
 * Milliseconds the statements of a terminal lock session may run past the lock's wait, on the client (`query_timeout`)
 * and on the server (`statement_timeout`): the server's `lock_timeout` ends the wait first, as a clean refusal.
 */
export const LOCK_STATEMENT_MARGIN = 5_000;

/**
 * Milliseconds the client waits for the answer to a lock's wait ({@link LOCK_WITH_TIMEOUT}) past what was left of the
 * request's wait: the server's `lock_timeout` ends the wait first, as a clean refusal (55P03, the connection kept);
 * no answer by then is the store not answering (`ISO8583_ERR_CONNECTOR_STORE`, the connection dropped). A try of the
 * lock ({@link LOCK_TRY}) answered after the request's wait but within this keeps its connection (the request gave
 * up on time).
 */
export const LOCK_ANSWER_MARGIN = 2_000;

/** The rejection of a lock tried again and again (a server that refuses `lock_timeout`) when the request's wait passed. */
const LOCK_SPENT = new Error('the wait for the terminal lock, held by another session, passed');

/**
 * The rejection of a lock tried again and again when a try went unanswered within the request's wait and
 * {@link LOCK_ANSWER_MARGIN} more: the store is not answering, so its connection is destroyed, never put back in the pool.
 */
const LOCK_UNANSWERED = new Error('the wait for the terminal lock, held by another session, passed before the server answered a try');

/**
 * The rejection of a lock tried again and again when the request's wait passed before the server answered a try:
 * `trying` is that try's answer (locked or not), still awaited for the connection's sake (see `hold`).
 */
class LateTry extends Error {
  constructor(readonly trying: Promise<boolean>) {
    super('the wait for the terminal lock passed while a try was under way (the server answered it late, or not yet)');
  }
}

/** The least of the wait, in ms, for which the lock is tried once more (a server that refuses `lock_timeout`). */
const TRY_LEAST = 5;

/** Milliseconds between the first two tries of a lock on a server that refuses `lock_timeout` (doubled each try). */
const TRY_FIRST_PAUSE = 10;

/** The longest pause between two tries of a lock, in ms: a terminal freed is taken within about this. */
const TRY_LAST_PAUSE = 200;

/**
 * A connection of `pool`, waited for at most `wait` ms (`undefined`: the pool's own `connectionTimeoutMillis`, the
 * lock's `waitTimeout`), else rejects with {@link SPENT}; a connection that comes after that goes back to the pool.
 */
async function connectWithin(pool: pg.Pool, wait: number | undefined): Promise<pg.PoolClient> {
  const connecting = pool.connect();
  if (wait === undefined) return connecting;
  let timer: NodeJS.Timeout | undefined;
  const spent = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(SPENT), Math.max(0, wait));
  });
  try {
    return await Promise.race([connecting, spent]);
  } catch (err) {
    if (err === SPENT) connecting.then((late) => late.release(), () => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
