/**
 * How the tests of PgTransactionLog's spill files (records kept on disk while the database was out of reach) stand up
 * their parts: a database with the log's schema and a spill folder for it, and logs opened over both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { PgTransactionLog } from '../../src/index.js';
import type { PgLogDatabases } from './pg-transaction-log.js';
import { capturedLogger } from './setup.js';

/** What {@link spillDatabase} made. */
export interface SpillDatabase {
  /** The database's connection string (its schema migrated). */
  url: string;
  /** The spill folder (not made yet): `spill` in a fresh folder, removed after the test. */
  dir: string;
  /** A pool on the database, ended after the test. */
  pool: pg.Pool;
  /** How many rows the log's table holds. */
  count(): Promise<number | undefined>;
}

/** The database named `name` of `pgs`, its log's schema migrated (a log opened and closed), and a spill folder for it. */
export async function spillDatabase(t: TestContext, pgs: PgLogDatabases, name: string): Promise<SpillDatabase> {
  const url = pgs.database(name);
  const first = new PgTransactionLog({ connectionString: url });
  await first.open();
  await first.close();
  const root = mkdtempSync(join(tmpdir(), 'iso8583-spill-'));
  const dir = join(root, 'spill');
  const pool = new pg.Pool({ connectionString: url });
  t.after(() => pool.end());
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const count = async (): Promise<number | undefined> => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions')).rows[0]?.n;
  return { url, dir, pool, count };
}

/** Opens a log on `url` with `dir` as its spillDir, logging at info (closed after the test); the lines it logged. */
export async function openOn(t: TestContext, url: string, dir: string): Promise<{ log: PgTransactionLog; lines: Record<string, unknown>[] }> {
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url, spillDir: dir, logger });
  t.after(() => log.close());
  await log.open();
  return { log, lines };
}
