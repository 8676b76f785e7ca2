/**
 * The connection pool of a PostgreSQL store (node-postgres `pg.Pool`): bounded waits (a database that does not answer
 * fails a statement instead of holding a request), a listener for the errors of idle connections (a database restart
 * ends them; the pool drops them and makes new ones when asked), and the connection string shown only with its
 * password masked. The driver is loaded when a PostgreSQL store first needs it ({@link pgDriver}), so that the file
 * store, and a process that only imports the package, never pays for it.
 */
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import type pg from 'pg';
import type { Logger } from 'pino';
import { connectorError } from '../errors.js';
import type { Iso8583Error } from '@iso8583/codec';

/** Options of {@link createPgPool}. */
export interface PgPoolOptions {
  /** Most connections open at once. Default 10. */
  max?: number;
  /** Milliseconds to wait for a connection (a new one, or a free one of the pool). Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds a statement may take before it fails (client side: it also ends a statement whose connection went
   * silent, a host gone without a word). Default 10000.
   */
  statementTimeout?: number;
  /**
   * TCP keep-alive on each connection, probes starting after this many idle milliseconds (a connection dropped
   * silently by a firewall or a dead host is then found and closed); 0 turns it off. Default 10000.
   */
  keepAlive?: number;
  /** Let the process end while connections are idle (an idle connection does not hold it). Default false. */
  allowExitOnIdle?: boolean;
  /** Settings sent to the server at each connection (`-c name=value ...`, e.g. `-c synchronous_commit=off`). Default none. */
  serverOptions?: string;
  /** Where connection errors are logged (with the masked URL). */
  logger: Logger;
}

/** The defaults of {@link PgPoolOptions}. */
const DEFAULTS = { max: 10, connectTimeout: 5000, statementTimeout: 10_000, keepAlive: 10_000, allowExitOnIdle: false };

/**
 * A connection string with its password replaced by `***` (in the user info and in a `password` parameter), for logs
 * and error texts. A string that is not a URL is shown as `(not a URL)`.
 */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** True for a `postgresql://` (or `postgres://`) connection string. */
export function isPostgresUrl(value: unknown): value is string {
  return typeof value === 'string' && /^postgres(ql)?:\/\//i.test(value);
}

let driver: typeof pg | undefined;

/** The sockets each pool made (its connections, connecting or open), for {@link cutPgPool}. */
const poolSockets = new WeakMap<pg.Pool, Set<Socket>>();

/**
 * node-postgres, loaded on first use: the one place the stores get the driver from. It is CommonJS, so it loads
 * synchronously (a constructor may make its pool); importing `@iso8583/connector` alone never loads it.
 */
export function pgDriver(): typeof pg {
  driver ??= createRequire(import.meta.url)('pg') as typeof pg;
  return driver;
}

/** {@link makePgPool} as a promise: a pool that cannot be made is a rejection. */
export async function createPgPool(url: string, options: PgPoolOptions): Promise<pg.Pool> {
  return makePgPool(url, options);
}

/** A pool on `url`, ready to use (connections are made when first needed); loads the driver first. */
export function makePgPool(url: string, options: PgPoolOptions): pg.Pool {
  const o = { ...DEFAULTS, ...options };
  const sockets = new Set<Socket>();
  const pool = new (pgDriver().Pool)({
    // Each connection's socket is made here (the driver's own default: a plain socket, TLS laid over it when asked),
    // so that `cutPgPool` can close every one of them.
    stream: () => {
      const socket = new Socket();
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return socket;
    },
    connectionString: url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeout,
    query_timeout: o.statementTimeout,
    keepAlive: o.keepAlive > 0,
    keepAliveInitialDelayMillis: o.keepAlive,
    allowExitOnIdle: o.allowExitOnIdle,
    application_name: 'iso8583',
    idleTimeoutMillis: 30_000,
    ...(o.serverOptions === undefined ? {} : { options: o.serverOptions }),
  });
  poolSockets.set(pool, sockets);
  const masked = maskUrl(url);
  // An idle connection that the server ended (restart, outage): logged; the pool replaces it when next needed.
  pool.on('error', (err: Error & { code?: string }) => {
    o.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', store: masked, cause: storeCause(err) }, 'a connection to the store was lost');
  });
  return pool;
}

/**
 * Milliseconds the `destroy` of a PostgreSQL store's part (`PgJournal`, `PgTerminalLock`) lets the statements in flight
 * finish (entries handed back, terminals unlocked) before it cuts the store's connections ({@link cutPgPool}): short
 * enough for an abort's end line (written after 500 ms) to find it done.
 */
export const PG_DESTROY_GRACE = 200;

/**
 * The error the statements cut by a bounded close fail with (the store did not answer within `ms`): their fate is
 * unknown, as after a lost connection. No value of any record in it.
 */
export function cutError(ms: number): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `the store did not answer within ${ms} ms at close: its connections were cut (a statement cut may or may not have committed)`, { field: 'store' });
}

/**
 * Ends a pool made by {@link makePgPool} at once, for a store that stopped answering: no connection is made from now
 * on, and every one it has (open or connecting) is closed with `reason`, which the statements on them fail with (their
 * fate unknown: a statement may have committed before the cut). Resolves once every socket of the pool has closed.
 * A pool made elsewhere is only ended (its connections are not reachable here).
 */
export async function cutPgPool(pool: pg.Pool, reason: Error): Promise<void> {
  if (!pool.ending) pool.end().catch(() => undefined);
  const sockets = [...(poolSockets.get(pool) ?? [])];
  const closed = sockets.map((s) => (s.closed ? undefined : new Promise<void>((resolve) => s.once('close', () => resolve()))));
  for (const s of sockets) s.destroy(reason);
  await Promise.all(closed);
}

/** SQLSTATE `read_only_sql_transaction`: a write refused by a read-only server or transaction. */
const READ_ONLY = '25006';

/**
 * The store's error for a failed statement or connection: `ISO8583_ERR_CONNECTOR_STORE` naming what was being done
 * and the cause's code (an SQLSTATE or a socket error code), never a value; the cause attached is {@link safeCause}'s.
 * `url`, given only for a store's open (the operator's start-up error), is named masked ({@link maskUrl}); a failure
 * later, which the HTTP routes answer (`POST /`, `POST /raw`, the console's send), says `the store` without its host,
 * port, user or database (those are in the log line of the store's open).
 */
export function storeError(what: string, cause: unknown, url?: string): Iso8583Error {
  if ((cause as { code?: string } | undefined)?.code?.startsWith('ISO8583_') === true) return cause as Iso8583Error;
  const why = storeCause(cause);
  // Without the URL the field (`store: `) names it already: not `store: the store: ...` (rv69b #3).
  const where = url === undefined ? '' : `the store ${maskUrl(url)}: `;
  if (why === READ_ONLY) {
    // The server turned read-only after the open's check (migrations.ts): a primary demoted, or read-only transactions
    // set since (`default_transaction_read_only`, for the database, the role or the session). Said so, not by the
    // SQLSTATE alone. Refused before anything was written (an ERROR: `notCommitted`).
    return connectorError('ISO8583_ERR_CONNECTOR_STORE', `${where}${what}: the database is read-only (${READ_ONLY}: a standby after a failover or demotion, or read-only transactions by default): the store must be the primary`, {
      field: 'store',
      cause: safeCause(cause),
    });
  }
  const reason = storeReason(cause);
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `${where}${what} (${reason === 'unknown error' ? 'failed' : reason})`, { field: 'store', cause: safeCause(cause) });
}

/** SQLSTATE `insufficient_privilege`: the role lacks a privilege on an object (a table, a sequence, the schema). */
export const NO_PRIVILEGE = '42501';

/**
 * The server's own words for a refusal for want of a privilege ({@link NO_PRIVILEGE}), such as `permission denied for
 * sequence iso8583_transactions_seq_seq`: they name the object, never a value. Passed on only when they are exactly
 * that (`permission denied for <kind> <name>`); `undefined` for any other error or wording.
 */
export function missingPrivilege(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code !== NO_PRIVILEGE || typeof e.message !== 'string') return undefined;
  return /^permission denied for [a-z ]{2,30} ("[^"\n]{1,63}"|[A-Za-z_][\w$.]{0,126})$/.test(e.message) ? e.message : undefined;
}

/**
 * A row the table refused because no partition of it takes the row's time (SQLSTATE 23514 from the partition
 * routing, not a CHECK constraint): on a table partitioned by `at`, the partition for that time is not made yet.
 * Resolves the time the server names (its detail `Partition key of the failing row contains (at) = (...)`, a time,
 * never a value of the record's fields; `undefined` when the detail is not that), or `false` for any other error.
 */
export function missingPartition(err: unknown): { at: string | undefined } | false {
  const e = err as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown } | undefined;
  if (e?.code !== '23514' || e.constraint !== undefined || typeof e.message !== 'string' || !e.message.startsWith('no partition of relation')) return false;
  const at = typeof e.detail === 'string' ? /^Partition key of the failing row contains \(at\) = \((\d{4}-\d\d-\d\d[ T][\d:.+-]{5,20})\)\.$/.exec(e.detail)?.[1] : undefined;
  return { at };
}

/**
 * {@link storeCause} with words for the causes an operator fixes in the database's set-up, not by waiting: a privilege
 * the role lacks (42501, with the server's words naming the object: {@link missingPrivilege}), a database that does not
 * exist (3D000), a login refused (28000, 28P01), a statement cancelled (57014: the `statement_timeout` of the role or the
 * database, or an operator's cancel), a row of a time no partition takes (23514, naming the time). No value
 * of any record in them; any other cause as {@link storeCause} gives it.
 */
export function storeReason(err: unknown): string {
  const why = storeCause(err);
  switch (why) {
    case NO_PRIVILEGE: {
      const denied = missingPrivilege(err);
      return `${why}: the role lacks a privilege${denied === undefined ? '' : `: ${denied}`}; see docs/operations.md for the privileges the store's role needs`;
    }
    case '3D000':
      return `${why}: the database does not exist (create it, or fix the database name in the URL)`;
    case '28000':
    case '28P01':
      return `${why}: the server refused the login (the role does not exist, its password is wrong, or pg_hba.conf does not let it in)`;
    case '57014':
      return `${why}: a statement was cancelled, by the statement_timeout of the role or the database (raise it for the nodes' role, or set it to 0: ALTER ROLE ... SET statement_timeout) or by an operator`;
    case '23514': {
      const partition = missingPartition(err);
      if (partition === false) return why;
      return `${why}: no partition of the table takes a record${partition.at === undefined ? '' : ` of ${partition.at}`}: create the partition (partitions must exist ahead of time)`;
    }
    default:
      return why;
  }
}

/**
 * What of a driver's error may travel with the store's error: the server's refusals (`pg.DatabaseError`) can carry
 * values of the statement in their text, `detail` and `where` (an entry's JSON, a row of the log), so they are
 * replaced by an error naming only the SQLSTATE (with the severity, routine and the names of the table, column and
 * constraint); a socket or driver error (no value in it) is kept as it is.
 */
export function safeCause(cause: unknown): unknown {
  const c = cause as { code?: unknown; severity?: unknown; routine?: unknown; table?: unknown; column?: unknown; constraint?: unknown } | undefined;
  if (c === undefined || c === null || typeof c !== 'object' || typeof c.severity !== 'string' || typeof c.code !== 'string') return cause;
  const safe = new Error(`PostgreSQL ${c.severity} ${c.code}`) as Error & Record<string, unknown>;
  safe.name = 'DatabaseError';
  for (const key of ['code', 'severity', 'routine', 'table', 'column', 'constraint'] as const) {
    if (typeof c[key] === 'string') safe[key] = c[key];
  }
  return safe;
}

/**
 * What went wrong with the database, without any value: the SQLSTATE or the system error code; `timeout`;
 * `connection-terminated` (the driver's "Connection terminated unexpectedly", no code: the server's end of the
 * connection closed without a word, as when the server crashed or was stopped at once, or a proxy between cut it);
 * `connection-closed` (a statement on a connection already ended); else `unknown error`. The driver's text itself is
 * never passed on.
 */
export function storeCause(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/timeout/i.test(message)) return 'timeout';
  if (/connection terminated/i.test(message)) return 'connection-terminated';
  return /not queryable/i.test(message) ? 'connection-closed' : 'unknown error';
}

/**
 * A refusal for the data itself (SQLSTATE class 22, data exception, or 23, integrity constraint), not for the connection;
 * not a row no partition takes ({@link missingPartition}: the partition is missing, not the row wrong).
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code) && missingPartition(err) === false;
}

/**
 * A refusal for the role's rights or the schema it finds (SQLSTATE class 42: a privilege it lacks, 42501; a table or
 * column missing, 42P01, 42703): set up, not an outage; the same statement is refused until an operator fixes it.
 */
export function isSetUpError(err: unknown): boolean {
  const code = (err as { code?: unknown; severity?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^42[0-9A-Z]{3}$/.test(code);
}

/** Causes of a connection that never got as far as a statement: refused, name not found, server starting or full, login refused. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '53300', '28000', '28P01', '3D000']);

/**
 * True when a failed statement cannot have committed: the server refused it (an ERROR-severity answer: the statement
 * was rolled back), or no connection was made. False when its fate is unknown: a timeout, a connection that broke
 * (its commit may have been done and the answer lost), or the server ending the session (FATAL) while it ran.
 */
export function notCommitted(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown } | undefined;
  if (e?.severity === 'ERROR') return true;
  if (typeof e?.code === 'string' && NOT_CONNECTED.has(e.code)) return true;
  return typeof e?.message === 'string' && /when trying to connect/i.test(e.message);
}
