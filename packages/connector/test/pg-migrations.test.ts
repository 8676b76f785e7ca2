import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freezingRelay, startPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { pino } from 'pino';
import { FIRST_ANSWER_WAIT, MIGRATIONS, migrate } from '../src/pg/migrations.js';
import { createPgPool } from '../src/pg/pool.js';
import { FILL_SERVER_TOKEN, GONE_OWNERS } from '../src/pg/owner-lock-sql.js';
import type { Migration } from '../src/pg/migrations.js';
import { PgJournal } from '../src/pg/journal.js';
import { PgTransactionLog } from '../src/pg/transaction-log.js';
import { entry } from './helpers/pg-owner-lock.js';

// own cluster: a test makes a LATIN9 database with CREATE DATABASE (not createDatabase), and pg_locks is read
// server-wide.
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
    assert.deepEqual(tables.rows.map((r) => r.t), ['iso8583_saf', 'iso8583_saf_owner', 'iso8583_saf_upstream', 'iso8583_schema', 'iso8583_server_token', 'iso8583_transaction_batches', 'iso8583_transactions']);
    assert.equal(await migrate(pools[0]!), newest, 'a second start changes nothing');
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

test('migrate: a failing step leaves the schema as the steps before it left it (each commits alone); a newer database is refused with a coded error', async () => {
  const url = cluster.createDatabase('migrate_refusals');
  const pool = new pg.Pool({ connectionString: url });
  try {
    const broken: Migration[] = [...MIGRATIONS, { version: 9999, name: 'broken', sql: 'CREATE TABLE iso8583_x (a int); SELECT no_such_function()' }];
    await assert.rejects(migrate(pool, broken), /no_such_function/);
    const after1 = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'iso8583_x'");
    assert.equal(after1.rows[0].n, 0, 'nothing of the failed step stays');
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM iso8583_schema ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version), 'the steps before it applied');
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

test('migrate: runs on a connection of its own without the pool\'s statement timeout: two nodes opening together while a long step runs both succeed', async () => {
  const url = cluster.createDatabase('migrate_long_step');
  const logger = pino({ level: 'silent' });
  // Pools whose statements fail after 100 ms, and a step that takes 500 ms (a large table's index, say): the node that
  // runs it and the node waiting for the migration lock meanwhile both outlast the pool's timeout.
  const pools = await Promise.all([createPgPool(url, { logger, statementTimeout: 100 }), createPgPool(url, { logger, statementTimeout: 100 })]);
  try {
    const slow: Migration[] = [...MIGRATIONS, { version: 5000, name: 'a long step', sql: 'SELECT pg_sleep(0.5)' }];
    assert.deepEqual(await Promise.all(pools.map((pool) => migrate(pool, slow))), [5000, 5000]);
    await assert.rejects(pools[0]!.query('SELECT pg_sleep(0.5)'), /timeout/i, 'the pool itself keeps its timeout');
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

test('migrate: a database whose lock_timeout is short (ALTER DATABASE ... SET lock_timeout) does not fail a node that waits for another node\'s migration', async () => {
  const url = cluster.createDatabase('migrate_lock_timeout');
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  const pool = new pg.Pool({ connectionString: url });
  try {
    await holder.query(`ALTER DATABASE migrate_lock_timeout SET lock_timeout = '200ms'`);
    // Another node migrating: it holds the migration lock in its transaction, for longer than the database's lock_timeout.
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(858300001)');
    const migrated = migrate(pool);
    migrated.catch(() => undefined);
    await waitUntil(async () => {
      const { rows } = await holder.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      return rows[0]!.n > 0 ? true : undefined;
    }, { timeoutMs: 10_000, what: 'the migration waiting for the lock' });
    await holder.query('SELECT pg_sleep(0.5)');
    await holder.query('COMMIT');
    assert.equal(await within(migrated, 10_000, 'the migration once the lock is free'), Math.max(...MIGRATIONS.map((m) => m.version)));
    const { rows } = await pool.query<{ lock_timeout: string }>('SHOW lock_timeout');
    assert.equal(rows[0]?.lock_timeout, '200ms', 'the pool keeps the database\'s lock_timeout');
  } finally {
    await holder.end();
    await pool.end();
  }
});

test('migrate: a database whose encoding is not UTF8 (LATIN9) is refused at open, naming it, by the transaction log and the SAF journal, before any write', async () => {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE migrate_latin9 ENCODING 'LATIN9' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = cluster.url.replace(/\/postgres$/, '/migrate_latin9');
  const refused = (err: Error & { code?: string; field?: string }): boolean => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.match(err.message, /LATIN9/);
    assert.match(err.message, /UTF8/);
    return true;
  };
  const log = new PgTransactionLog({ connectionString: url, node: 'n0' });
  await assert.rejects(log.open(), refused);
  await log.close();
  const journal = new PgJournal({ url, upstream: 'bank', owner: 'n1' });
  await assert.rejects(journal.open(), refused);
  await journal.close();
  const pool = new pg.Pool({ connectionString: url });
  try {
    const tables = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'iso8583_%'");
    assert.equal(tables.rows[0]?.n, 0, 'nothing written');
  } finally {
    await pool.end();
  }
});

test('migrate: a step numbered below the newest applied one still runs (a database at SAF 1 and transaction log 105 gets SAF 2 and 3); an unknown step is refused', async () => {
  const url = cluster.createDatabase('migrate_gap');
  const pool = new pg.Pool({ connectionString: url });
  try {
    // As a release before the SAF steps 2 and 3 left it: SAF version 1 and every transaction log step (100 on).
    const earlier = MIGRATIONS.filter((m) => m.version === 1 || m.version >= 100);
    await migrate(pool, earlier);
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    assert.equal(await migrate(pool), newest);
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM iso8583_schema ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version), 'every step recorded');
    const column = await pool.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'iso8583_saf' AND column_name = 'txn'");
    assert.equal(column.rowCount, 1, 'the SAF step 3 (its column txn) ran');
    const indexes = await pool.query<{ i: string }>("SELECT indexname AS i FROM pg_indexes WHERE tablename = 'iso8583_saf' ORDER BY 1");
    assert.ok(indexes.rows.some((r) => r.i === 'iso8583_saf_transaction') && indexes.rows.some((r) => r.i === 'iso8583_saf_txn'), JSON.stringify(indexes.rows));
    // A step this code does not know, though below its newest (a later version's SAF step), is a newer database.
    await pool.query("INSERT INTO iso8583_schema (version, name) VALUES (99, 'a later SAF step')");
    await assert.rejects(migrate(pool), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
      assert.match(err.message, /SAF queue step 99, unknown/);
      return true;
    });
  } finally {
    await pool.end();
  }
});

test('migrate: SAF indexes an operator built by hand CONCURRENTLY before the upgrade are kept; one left invalid by a cancelled concurrent build is dropped and built again', async () => {
  const url = cluster.createDatabase('migrate_concurrent');
  const pool = new pg.Pool({ connectionString: url });
  const holder = new pg.Client({ connectionString: url });
  const builder = new pg.Client({ connectionString: url });
  builder.on('error', () => undefined);
  await holder.connect();
  await builder.connect();
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version === 1 || m.version >= 100));
    const entry = JSON.stringify({ id: 'e1', reversal: { '0': '0400', '11': '000001', '41': 'TERM0001' } });
    await pool.query("INSERT INTO iso8583_saf (id, entry, lease_owner, lease_until) VALUES ('e1', $1, 'n1', now())", [entry]);
    // Step 3's index, built by hand with writes going on: its column added, then the index CONCURRENTLY.
    await pool.query('ALTER TABLE iso8583_saf ADD COLUMN txn text');
    await pool.query('CREATE UNIQUE INDEX CONCURRENTLY iso8583_saf_txn ON iso8583_saf (txn) WHERE done_at IS NULL AND txn IS NOT NULL');
    const handBuilt = (await pool.query<{ oid: string }>("SELECT 'iso8583_saf_txn'::regclass::oid::text AS oid")).rows[0]?.oid;
    // Step 2's, built CONCURRENTLY while a node's write holds the table: the build waits for it, and is cancelled.
    await holder.query('BEGIN');
    await holder.query("UPDATE iso8583_saf SET attempts = attempts + 1 WHERE id = 'e1'");
    const builderPid = (await builder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const build = builder
      .query("CREATE INDEX CONCURRENTLY iso8583_saf_transaction ON iso8583_saf (upstream, (entry->'reversal'->>'41'), (entry->'reversal'->>'11')) WHERE done_at IS NULL AND entry->>'kind' IS NULL")
      .then(() => 'built', (err: Error & { code?: string }) => err.code);
    for (let waited = 0; ; waited++) {
      const { rowCount } = await pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [builderPid]);
      if (rowCount === 1) break;
      assert.ok(waited < 10_000, 'the concurrent build never waited for the open write');
    }
    await pool.query('SELECT pg_cancel_backend($1)', [builderPid]);
    assert.equal(await build, '57014', 'the build was cancelled');
    await holder.query('COMMIT');
    const valid = async (name: string): Promise<boolean | undefined> =>
      (await pool.query<{ v: boolean }>('SELECT indisvalid AS v FROM pg_index WHERE indexrelid = to_regclass($1)', [name])).rows[0]?.v;
    assert.equal(await valid('iso8583_saf_transaction'), false, 'the cancelled build left its index, invalid');

    // The upgrade: steps 2 and 3 run.
    assert.equal(await migrate(pool), Math.max(...MIGRATIONS.map((m) => m.version)));
    assert.equal(await valid('iso8583_saf_transaction'), true, 'the invalid index was dropped and built again');
    assert.equal(await valid('iso8583_saf_txn'), true);
    const kept = (await pool.query<{ oid: string }>("SELECT 'iso8583_saf_txn'::regclass::oid::text AS oid")).rows[0]?.oid;
    assert.equal(kept, handBuilt, 'the valid index built by hand was kept, not built again');
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM iso8583_schema WHERE version IN (2, 3) ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), [2, 3]);
  } finally {
    await holder.end();
    await builder.end();
    await pool.end();
  }
});

test('migrate: a database at SAF version 4 (its pending rows kept) gets step 5, the index of the pending rows by owner', async () => {
  const url = cluster.createDatabase('migrate_saf5');
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version <= 4 || m.version >= 100));
    await pool.query("INSERT INTO iso8583_saf (id, entry, lease_owner, lease_until) VALUES ('e1', '{}', 'n1', now()), ('e2', '{}', 'n2', now())");
    await migrate(pool);
    const { rows } = await pool.query<{ def: string; valid: boolean }>(
      "SELECT pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass('iso8583_saf_lease_owner')",
    );
    assert.deepEqual(rows, [{ def: 'CREATE INDEX iso8583_saf_lease_owner ON public.iso8583_saf USING btree (lease_owner) WHERE (done_at IS NULL)', valid: true }]);
    assert.equal((await pool.query('SELECT 1 FROM iso8583_saf')).rowCount, 2);
    assert.equal((await pool.query('SELECT 1 FROM iso8583_schema WHERE version = 5')).rowCount, 1);
  } finally {
    await pool.end();
  }
});

test('migrate: a database at SAF version 6 gets step 7 (the server an owner registered on): its owner rows keep none (never taken for gone), a row made after gets the server\'s, also by an earlier version\'s REGISTER', async () => {
  const url = cluster.createDatabase('migrate_saf7');
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version <= 6 || m.version >= 100));
    await pool.query("INSERT INTO iso8583_saf_owner (owner, upstream) VALUES ('earlier-node', '')");
    await pool.query("INSERT INTO iso8583_saf (id, entry, lease_owner, lease_until) VALUES ('e1', '{}', 'earlier-node', now() + interval '1 hour')");
    await migrate(pool);
    assert.equal((await pool.query('SELECT 1 FROM iso8583_schema WHERE version = 7')).rowCount, 1);
    // As a node of an earlier version still running registers (its columns named, not these), once a node of this
    // version made the server's token: the row gets the server's start and its token.
    await pool.query(FILL_SERVER_TOKEN);
    await pool.query("INSERT INTO iso8583_saf_owner (owner, upstream) VALUES ('later-node', '')");
    const { rows } = await pool.query<{ owner: string; here: boolean | null }>(
      'SELECT owner, server_started = pg_postmaster_start_time() AS here FROM iso8583_saf_owner ORDER BY owner',
    );
    assert.deepEqual(rows, [{ owner: 'earlier-node', here: null }, { owner: 'later-node', here: true }]);
    // Neither holds its lock: only the one registered on this server is gone; the other's entry waits for its lease.
    const gone = await pool.query<{ owner: string }>(GONE_OWNERS.replace('$3', '$2').replaceAll('$5', '$3'), ['claimer', [''], null]); // no $2, $4 of its own
    assert.deepEqual(gone.rows, [{ owner: 'later-node' }]);
  } finally {
    await pool.end();
  }
});

test('migrate: a server that takes the connection and never answers its start-up fails the start within the first answer\'s bound, also on a pool with no connect timeout', async (t) => {
  const relay = await freezingRelay(cluster.createDatabase('migrate_silent_startup'));
  t.after(() => relay.close());
  relay.freeze(); // the connection accepted, its start-up never answered
  // A pool of the caller's with no connect timeout: the start-up had no bound (only the BEGIN after it had one, 5 s).
  // The bound is `firstAnswerWait` (default FIRST_ANSWER_WAIT, 5 s): 300 ms here, the same path without 5 s of waiting
  // (the relay never answers, so no bound can be missed).
  const pool = new pg.Pool({ connectionString: relay.url });
  t.after(() => pool.end());
  assert.equal(FIRST_ANSWER_WAIT, 5000, 'the documented default (docs/connector.md: 5 s)');
  const migrating = assert.rejects(migrate(pool, MIGRATIONS, { firstAnswerWait: 300 }), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.equal(err.field, 'store');
    assert.match(err.message, /did not answer within 300 ms/);
    return true;
  });
  await within(migrating, 20_000, 'the start to fail within the first answer\'s bound, not wait for ever');
  await waitUntil(() => relay.open() === 0, { what: 'the start-up\'s connection to be closed' });
});

test('migrate: each step commits before the next: a SAF step\'s table lock is not held through a later long step (a transaction log index build), and a running node\'s SAF adds go on meanwhile', async (t) => {
  const url = cluster.createDatabase('migrate_step_commits');
  const journal = new PgJournal({ url, upstream: 'bank', lease: 30_000 });
  t.after(() => journal.close());
  await journal.open();
  // The later step waits on an advisory lock the test holds: as long as the test wants, no timing.
  const gate = new pg.Client({ connectionString: url });
  await gate.connect();
  t.after(() => gate.end());
  await gate.query('SELECT pg_advisory_lock(4242)');
  const pool = new pg.Pool({ connectionString: url });
  t.after(() => pool.end());
  const steps: Migration[] = [
    ...MIGRATIONS,
    { version: 98, name: 'a SAF step', sql: 'ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS test_extra integer' },
    { version: 9998, name: 'a long transaction log step', sql: 'SELECT pg_advisory_xact_lock(4242)' },
  ];
  const migrating = migrate(pool, steps);
  migrating.catch(() => undefined);
  try {
    await waitUntil(async () => (await pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted")).rowCount === 1, {
      what: 'the migration to wait in its long step',
    });
    // Before, the SAF step's ACCESS EXCLUSIVE lock was held until the whole migration committed: every add waited.
    await within(journal.add(entry('m1')), 10_000, 'a SAF add while the migration\'s later step runs');
  } finally {
    await gate.query('SELECT pg_advisory_unlock(4242)');
  }
  assert.equal(await migrating, 9998);
});
