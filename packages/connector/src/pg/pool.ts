/**
 * The connection pool of a PostgreSQL store (node-postgres `pg.Pool`): bounded waits (a database that does not answer
 * fails a statement instead of holding a request), a listener for the errors of idle connections (a database restart
 * ends them; the pool drops them and makes new ones when asked), and the connection string shown only with its
 * password masked. The driver is loaded when a pool is first made, so that the file store never pays for it.
 */
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
  /** Milliseconds a statement may take before it fails (client side). Default 10000. */
  statementTimeout?: number;
  /** Where connection errors are logged (with the masked URL). */
  logger: Logger;
}

/** The defaults of {@link PgPoolOptions}. */
const DEFAULTS = { max: 10, connectTimeout: 5000, statementTimeout: 10_000 };

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

/** A pool on `url`, ready to use (connections are made when first needed). */
export async function createPgPool(url: string, options: PgPoolOptions): Promise<pg.Pool> {
  const o = { ...DEFAULTS, ...options };
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeout,
    query_timeout: o.statementTimeout,
    application_name: 'iso8583',
    idleTimeoutMillis: 30_000,
  });
  const masked = maskUrl(url);
  // An idle connection that the server ended (restart, outage): logged; the pool replaces it when next needed.
  pool.on('error', (err: Error & { code?: string }) => {
    o.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_STORE', store: masked, cause: err.code ?? err.message }, 'a connection to the store was lost');
  });
  return pool;
}

/**
 * The store's error for a failed statement or connection: `ISO8583_ERR_CONNECTOR_STORE` naming what was being done
 * and the cause's code (an SQLSTATE or a socket error code), never a value; the cause is attached.
 */
export function storeError(what: string, cause: unknown, url?: string): Iso8583Error {
  if ((cause as { code?: string } | undefined)?.code?.startsWith('ISO8583_') === true) return cause as Iso8583Error;
  const c = cause as { code?: string; message?: string } | undefined;
  const why = c?.code ?? (c?.message !== undefined && /timeout/i.test(c.message) ? 'timeout' : 'failed');
  const where = url === undefined ? 'the store' : `the store ${maskUrl(url)}`;
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `${where}: ${what} (${why})`, { field: 'store', cause });
}

/** What went wrong with the database, without any value: the SQLSTATE or the system error code. */
export function storeCause(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown };
  return typeof e.code === 'string' ? e.code : 'unknown error';
}

/** A refusal for the data itself (SQLSTATE class 22, data exception, or 23, integrity constraint), not for the connection. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
