import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';
import type { Migration } from '../src/pg/migrations.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('migrate: creates every table once, records each version, and is safe when several nodes start together', async () => {
  const url = cluster.createDatabase('migrate_once');
  const pools = [new pg.Pool({ connectionString: url }), new pg.Pool({ connectionString: url }), new pg.Pool({ connectionString: url })];
  try {
    const versions = await Promise.all(pools.map((pool) => migrate(pool)));
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    assert.deepEqual(versions, [newest, newest, newest]);
    const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM iso8583_schema ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    const tables = await pools[0]!.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE tablename LIKE 'iso8583_%' ORDER BY 1");
    assert.deepEqual(tables.rows.map((r) => r.t), ['iso8583_saf', 'iso8583_schema', 'iso8583_transactions']);
    assert.equal(await migrate(pools[0]!), newest, 'a second start changes nothing');
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

test('migrate: a failing step leaves the schema as it was; a newer database is refused with a coded error', async () => {
  const url = cluster.createDatabase('migrate_refusals');
  const pool = new pg.Pool({ connectionString: url });
  try {
    const broken: Migration[] = [...MIGRATIONS, { version: 9999, name: 'broken', sql: 'CREATE TABLE iso8583_x (a int); SELECT no_such_function()' }];
    await assert.rejects(migrate(pool, broken), /no_such_function/);
    const after1 = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'iso8583_%'");
    assert.equal(after1.rows[0].n, 0, 'nothing of the failed run stays');
    await pool.query('CREATE TABLE iso8583_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await pool.query("INSERT INTO iso8583_schema (version, name) VALUES (100000, 'from the future')");
    await assert.rejects(migrate(pool), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
      assert.match(err.message, /100000/);
      return true;
    });
  } finally {
    await pool.end();
  }
});
