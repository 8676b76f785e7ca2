/**
 * The PostgreSQL schema, versioned: each migration not recorded in `iso8583_schema` runs once, in order, each in a
 * transaction of its own that also records it (committed before the next: a step's table locks are not held through
 * the steps after it), under a transaction-scoped advisory lock so that several nodes starting together migrate once. A step is known by its version, not by the highest one applied: each part numbers its own steps
 * (SAF 1-99, transaction log 100-), so a new SAF step comes after a database's transaction log steps. A database
 * with a step this code does not know (a newer version's) is refused (`ISO8583_ERR_CONNECTOR_STORE`), never downgraded.
 * Each part of the store keeps its own migrations in its own file; this list puts them in order.
 *
 * A migration runs on a connection of its own, made from the pool's settings but without their statement timeout (and
 * with the server's `statement_timeout`, `lock_timeout` and, from PostgreSQL 17, `transaction_timeout` off for that
 * connection, whatever the database or role sets): a node waiting for another node's migration (the
 * advisory lock), or a step that rewrites or indexes a large table, takes as long as it takes instead of failing the
 * start and rolling back, on every start, while holding its locks.
 */
import type pg from 'pg';
import { connectorError } from '../errors.js';
import { pgDriver } from './pool.js';
import { SAF_MIGRATIONS } from './schema-saf.js';
import { TRANSACTION_MIGRATIONS } from './schema-transactions.js';

/** One step of the schema. */
export interface Migration {
  /** The schema version this step brings the database to (1, 2, ...; unique, increasing). */
  version: number;
  /** What it does, recorded beside the version. */
  name: string;
  /** The SQL (one or more statements). */
  sql: string;
}

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [...SAF_MIGRATIONS, ...TRANSACTION_MIGRATIONS].sort((a, b) => a.version - b.version);

/** How long the database's first answers (start-up, BEGIN) may take when the pool has no connect timeout (ms). */
export const FIRST_ANSWER_WAIT = 5000;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * Milliseconds the database's first answers (to the connection's start-up and the migration's `BEGIN`) may take
   * when `pool` has no connect timeout of its own (its `connectionTimeoutMillis` wins when it has one). Default
   * {@link FIRST_ANSWER_WAIT} (5000).
   */
  firstAnswerWait?: number;
}

/** The one database encoding the store accepts (`server_encoding`): every character a record's text may hold fits. */
const UTF8 = 'UTF8';

/** The advisory lock key taken while migrating (any constant shared by every node). */
const MIGRATION_LOCK = 858_300_001;

/**
 * Brings the database's schema up to date, on a connection of its own made with `pool`'s settings (see the module
 * comment); resolves with the version it is at. Rejects with `ISO8583_ERR_CONNECTOR_STORE` (field `store`) on a
 * read-only server (a hot standby, or `default_transaction_read_only` on), or a database whose encoding is not UTF8
 * (naming it), before any write.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS, options: MigrateOptions = {}): Promise<number> {
  // The server's first answers are bounded (the pool's connect timeout, else `firstAnswerWait`): a server, or a relay
  // in front of it, that takes the connection and never answers fails the start here, coded, its connection destroyed,
  // rather than holding the start for ever (the waits below are unbounded on purpose, and only a live server gets to
  // them). The start-up too: on a pool with no connect timeout of its own it had no bound.
  const answerWait = Number(pool.options.connectionTimeoutMillis) > 0 ? Number(pool.options.connectionTimeoutMillis) : (options.firstAnswerWait ?? FIRST_ANSWER_WAIT);
  const silent = (): Error =>
    connectorError('ISO8583_ERR_CONNECTOR_STORE', `the database did not answer within ${answerWait} ms: is it a PostgreSQL server, up and reachable?`, { field: 'store' });
  const client = new (pgDriver().Client)({ ...pool.options, connectionTimeoutMillis: answerWait, query_timeout: undefined, statement_timeout: undefined });
  // A connection lost while it waits is reported by the query that fails; the listener keeps it from being thrown.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw /timeout/i.test(String((err as Error | undefined)?.message)) ? silent() : err;
  }
  try {
    // node-postgres reads a query's own `query_timeout` (its types leave it out).
    const begin: pg.QueryConfig & { query_timeout: number } = { text: 'BEGIN', query_timeout: answerWait };
    await client.query(begin);
  } catch (err) {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    await client.end().catch(() => undefined);
    throw (err as Error | undefined)?.message === 'Query read timeout' ? silent() : err;
  }
  try {
    // A read-only server (a hot standby, or read-only transactions by default) can hold no SAF entry nor record: said
    // so, naming the option, rather than by the first write's SQLSTATE (25006).
    const { rows: [server] } = await client.query<{ standby: boolean; readOnly: boolean; encoding: string }>(
      "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') = 'on' AS \"readOnly\", current_setting('server_encoding') AS encoding");
    if (server?.standby === true || server?.readOnly === true) {
      const what = server.standby ? 'a hot standby, in recovery' : 'its transactions read-only by default: default_transaction_read_only';
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the database is read-only (a hot standby, or read-only transactions; this one: ${what}): the store must be the primary (point the store's URL at it)`, { field: 'store' });
    }
    // Text fields hold any printable character (ans: 0xA0-0xFF too): a database of another encoding (LATIN1, LATIN9,
    // SQL_ASCII, ...) refused such a record with SQLSTATE 22P05, the whole batch of transaction records around it,
    // and a SAF add of such a reversal. Said at open, naming the encoding, rather than by lost records later.
    if (server !== undefined && server.encoding !== UTF8) {
      throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the database's encoding is ${server.encoding}: the store needs a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')`, { field: 'store' });
    }
    // The waits unbounded on this connection (its own, ended below), whatever the database or role sets (ALTER
    // DATABASE ... SET lock_timeout = '1s'): a lock_timeout failed a node's start while another node migrated (55P03 on
    // the advisory lock), and a step's DDL waiting for a table lock; transaction_timeout (PostgreSQL 17+) would end a
    // long step. A server that does not know transaction_timeout (15, 16) is left as it is.
    await client.query('SET statement_timeout = 0');
    await client.query('SET lock_timeout = 0');
    await client.query("SELECT set_config('transaction_timeout', '0', false) WHERE current_setting('transaction_timeout', true) IS NOT NULL");
    const known = new Set(migrations.map((m) => m.version));
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    // Each step in a transaction of its own, committed before the next: a SAF step's ALTER TABLE (ACCESS EXCLUSIVE on
    // iso8583_saf) is not held through a transaction log step's index builds, which blocked every running node's SAF
    // writes for the whole upgrade. Each takes the advisory lock and reads what is applied again (another node may have
    // run a step meanwhile); a step that fails rolls back alone, the ones before it kept.
    for (;;) {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // Made only when missing: CREATE TABLE IF NOT EXISTS checks CREATE on the schema even when the table is there, so a
      // role without it (the running gateway's, given only SELECT, INSERT, DELETE: docs/operations.md) could not open a
      // database already migrated. Looked for under the advisory lock: two nodes on a fresh database make it once.
      const { rows: [found] } = await client.query<{ made: boolean }>("SELECT to_regclass('iso8583_schema') IS NOT NULL AS made");
      if (found?.made !== true) {
        await client.query(`CREATE TABLE iso8583_schema (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      }
      // The steps applied, each by its version: the parts number theirs apart (SAF 1-99, transaction log 100-), so a
      // step of one part can be newer code than the highest version applied (SAF 3 on a database at 105), and must run.
      const { rows } = await client.query<{ version: number }>('SELECT version FROM iso8583_schema');
      const applied = new Set(rows.map((r) => r.version));
      const unknown = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
      if (unknown.length > 0) {
        // Refused for any step it does not know, in any part, whatever the other steps: each named with its part (SAF
        // 1-99, transaction log 100-), beside each part's newest step known here (a higher number of another part is
        // no newer).
        const part = (v: number): string => (v < 100 ? 'SAF queue' : 'transaction log');
        const newestOf = (name: string): number => Math.max(0, ...migrations.filter((m) => part(m.version) === name).map((m) => m.version));
        throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the database's schema has ${unknown.map((v) => `${part(v)} step ${v}`).join(', ')}, unknown to this version of iso8583 (it knows the SAF queue's steps up to ${newestOf('SAF queue')} and the transaction log's up to ${newestOf('transaction log')}): a newer version of iso8583 migrated it; run that version or a newer one`, { field: 'store' });
      }
      const next = migrations.find((m) => !applied.has(m.version));
      if (next !== undefined) {
        await client.query(next.sql);
        await client.query('INSERT INTO iso8583_schema (version, name) VALUES ($1, $2)', [next.version, next.name]);
      }
      await client.query('COMMIT');
      if (next === undefined) return newest;
      await client.query('BEGIN');
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}
