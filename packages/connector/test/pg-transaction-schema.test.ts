// The transaction log's schema on a real PostgreSQL server: every filter of a query is served by an index (EXPLAIN of
// the very statement the log runs), ties of time come back in the order stored, and tables of older schema versions
// migrate with their rows read as they were.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { checkTransactionQuery } from '../src/index.js';
import type { TransactionQuery } from '../src/index.js';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';
import { UNQUERIED_COLUMNS } from '../src/pg/schema-transactions.js';
import { copyFrom } from '../src/pg/copy.js';
import { transactionQuerySql } from '../src/pg/transaction-log.js';
import { TRANSACTION_COPY, copyLine } from '../src/pg/transaction-sql.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/** The plan of the statement the log runs for `query`, with its parameters. */
async function planOf(client: pg.ClientBase, query: TransactionQuery): Promise<string> {
  const { text, values } = transactionQuerySql(checkTransactionQuery(query));
  const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** The indexes of the log's table, by name, as PostgreSQL describes them. */
async function indexesOf(client: pg.ClientBase | pg.Pool): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; def: string }>("SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'iso8583_transactions'");
  return Object.fromEntries(rows.map((r) => [r.name, r.def.replace(/^.* USING /, '')]));
}

/** The newest schema version. */
const NEWEST = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * The columns of the log's table that ANALYZE gathers statistics for (schema version 103: the ones a query filters or
 * orders on), after an ANALYZE: from `pg_stats`, sorted.
 */
async function analyzedColumns(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  // Statistics an earlier ANALYZE left (an autovacuum's, say) go first: a column ANALYZE skips keeps what it had.
  await client.query("DELETE FROM pg_statistic WHERE starelid = 'iso8583_transactions'::regclass");
  await client.query('ANALYZE iso8583_transactions');
  const { rows } = await client.query<{ name: string }>("SELECT attname AS name FROM pg_stats WHERE tablename = 'iso8583_transactions' ORDER BY attname");
  return rows.map((r) => r.name);
}

/** What {@link analyzedColumns} gives from version 103 on (`record` of version 100 rows included among the others). */
const ANALYZED = ['at', 'rrn', 'seq', 'stan', 'terminal'];

/** The indexes of schema version 102 and 103. */
const INDEXES_102 = {
  iso8583_transactions_pkey: 'btree (at, seq)',
  iso8583_transactions_terminal: 'btree (terminal, at DESC, seq DESC) WHERE (terminal IS NOT NULL)',
  iso8583_transactions_stan: 'hash (stan)',
  iso8583_transactions_rrn: 'hash (rrn)',
};

/** The indexes of schema version 104 (and later): one GIN index for STAN and RRN. */
const INDEXES_104 = {
  iso8583_transactions_pkey: 'btree (at, seq)',
  iso8583_transactions_terminal: 'btree (terminal, at DESC, seq DESC) WHERE (terminal IS NOT NULL)',
  iso8583_transactions_keys: 'gin ((ARRAY[stan, rrn]))',
};

/** The collation of each text column a query filters on (schema version 104: `C`, byte order), by column. */
async function keyCollations(client: pg.ClientBase | pg.Pool): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; collation: string }>(
    "SELECT a.attname AS name, c.collname AS collation FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = 'iso8583_transactions'::regclass AND a.attname IN ('stan', 'rrn', 'terminal') ORDER BY 1",
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.collation]));
}

/** The schema version the database is at. */
async function schemaVersion(client: pg.ClientBase): Promise<number | undefined> {
  return (await client.query<{ v: number }>('SELECT max(version)::int AS v FROM iso8583_schema')).rows[0]?.v;
}

/**
 * Runs `body` with a pool on the database `name`, its schema brought to `version` (101 or later) and `count` sample
 * records stored as a log of that version stored them (its COPY: the columns are the same from 101 on), record `i` on
 * terminal `T` + (i modulo `terminals`); the pool is ended afterwards.
 */
async function atVersion(name: string, version: number, count: number, terminals: number, body: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const pool = new pg.Pool({ connectionString: pgs.database(name) });
  try {
    assert.equal(await migrate(pool, MIGRATIONS.filter((m) => m.version <= version)), version);
    const rows = Array.from({ length: count }, (_, i) => copyLine(sampleRecord(i, { terminal: `T${i % terminals}` })));
    assert.equal(await copyFrom(pool, TRANSACTION_COPY, Buffer.from(rows.join(''))), count);
    await body(pool);
  } finally {
    await pool.end();
  }
}

describe('PgTransactionLog schema', () => {
  test('each filter of a query is served by an index, never by reading the whole table (EXPLAIN)', async () => {
    await pgs.withLog('explain', { maxBatch: 5000 }, async ({ log, admin }) => {
      // 20,000 records, each STAN and RRN once: one in 50 on a busy terminal, the others over 500 terminals.
      const terminal = (i: number): string => (i % 50 === 0 ? 'BUSY0001' : `T${String(i % 500).padStart(7, '0')}`);
      await Promise.all(Array.from({ length: 20_000 }, (_, i) => log.record(sampleRecord(i, { terminal: terminal(i) }))));
      await admin.query('ANALYZE iso8583_transactions');
      assert.deepEqual(await indexesOf(admin), INDEXES_104);
      assert.deepEqual(await keyCollations(admin), { rrn: 'C', stan: 'C', terminal: 'C' });
      const at = (n: number): number => sampleRecord(n).at;
      const cases: [TransactionQuery, RegExp][] = [
        [{ stan: '000042' }, /Bitmap Index Scan on iso8583_transactions_keys/],
        [{ rrn: '000000000042', limit: 10 }, /Bitmap Index Scan on iso8583_transactions_keys/],
        [{ terminal: 'T0000042' }, /Index Scan using iso8583_transactions_terminal|Bitmap Index Scan on iso8583_transactions_terminal/],
        // A terminal's newest of many: read in the index's order, stopping at the limit.
        [{ terminal: 'BUSY0001', limit: 10 }, /Limit.*\n.*Index Scan using iso8583_transactions_terminal/],
        [{ terminal: 'T0000042', from: at(100), to: at(19_000) }, /iso8583_transactions_terminal|iso8583_transactions_pkey/],
        [{ stan: '000042', terminal: 'T0000042' }, /iso8583_transactions_keys|iso8583_transactions_terminal/],
        [{ rrn: '000000000042', from: at(100) }, /iso8583_transactions_keys/],
        [{}, /Index Scan Backward using iso8583_transactions_pkey/],
        [{ from: at(19_000) }, /Index Scan Backward using iso8583_transactions_pkey/],
        [{ from: at(100), to: at(200) }, /Index Scan Backward using iso8583_transactions_pkey/],
      ];
      // The GIN index's rows first in its pending list (as stored: 20,000 rows are under gin_pending_list_limit), then
      // merged into the index proper (as once the list is over the limit, or after a vacuum).
      await admin.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
      const pendingPages = async (): Promise<number> =>
        (await admin.query<{ n: number }>("SELECT pending_pages AS n FROM pgstatginindex('iso8583_transactions_keys')")).rows[0]?.n ?? -1;
      for (const pending of [true, false]) {
        if (pending) assert.ok((await pendingPages()) > 0, 'the rows are in the pending list');
        else {
          await admin.query("SELECT gin_clean_pending_list('iso8583_transactions_keys')");
          assert.equal(await pendingPages(), 0);
        }
        for (const [query, index] of cases) {
          const plan = await planOf(admin, query);
          assert.match(plan, index, `pending list ${pending}, ${JSON.stringify(query)}:\n${plan}`);
          assert.doesNotMatch(plan, /Seq Scan/, `pending list ${pending}, ${JSON.stringify(query)}:\n${plan}`);
        }
        assert.deepEqual((await log.query({ stan: '000042' })).map((r) => r.rrn), ['000000000042']);
        assert.deepEqual((await log.query({ rrn: '000000019999' })).map((r) => r.stan), ['019999']);
        assert.deepEqual((await log.query({ terminal: 'T0000042', limit: 3 })).map((r) => r.rrn), ['000000019542', '000000019042', '000000018542']);
        assert.deepEqual((await log.query({ terminal: 'BUSY0001', limit: 3 })).map((r) => r.rrn), ['000000019950', '000000019900', '000000019850']);
      }
    });
  });

  test('records of the same time come back newest stored first, by every filter', async () => {
    await pgs.withLog('ties', {}, async ({ log }) => {
      const at = sampleRecord(0).at;
      // Five records of one instant, one terminal and one STAN, stored in turn (one batch each).
      for (let i = 0; i < 5; i++) await log.record(sampleRecord(i, { at, terminal: 'TIES0001', stan: '000777' }));
      const newestFirst = ['000000000004', '000000000003', '000000000002', '000000000001', '000000000000'];
      for (const query of [{}, { terminal: 'TIES0001' }, { stan: '000777' }, { terminal: 'TIES0001', stan: '000777', from: at, to: at }]) {
        assert.deepEqual((await log.query(query)).map((r) => r.rrn), newestFirst, JSON.stringify(query));
      }
      assert.deepEqual((await log.query({ terminal: 'TIES0001', limit: 2 })).map((r) => r.rrn), newestFirst.slice(0, 2));
    });
  });

  test('a STAN is found as a STAN and an RRN as an RRN, though one index holds both', async () => {
    await pgs.withLog('keys', {}, async ({ log }) => {
      const a = sampleRecord(1, { stan: '123456', rrn: '000000000001' });
      const b = sampleRecord(2, { stan: '000002', rrn: '123456' });
      await Promise.all([log.record(a), log.record(b)]);
      assert.deepEqual(await log.query({ stan: '123456' }), [a]);
      assert.deepEqual(await log.query({ rrn: '123456' }), [b]);
      assert.deepEqual(await log.query({ stan: '123456', rrn: '123456' }), []);
      assert.deepEqual(await log.query({ stan: '000002', rrn: '123456' }), [b]);
    });
  });

  test('a table of schema version 100 (records as JSON) migrates to the newest; its rows are read as they were', async () => {
    const pool = new pg.Pool({ connectionString: pgs.database('from_100') });
    try {
      assert.equal(await migrate(pool, MIGRATIONS.filter((m) => m.version <= 100)), 100);
      const old = sampleRecord(1, { merchant: 'OLD "ROW" \\' });
      await pool.query('INSERT INTO iso8583_transactions (at, node, stan, terminal, rrn, record) VALUES (to_timestamp($1 / 1000.0), $2, $3, $4, $5, $6)', [old.at, old.node, old.stan, old.terminal, old.rrn, JSON.stringify(old)]);
      await pgs.withLog('from_100', {}, async ({ log, admin }) => {
        const versions = await admin.query<{ version: number }>('SELECT version FROM iso8583_schema ORDER BY version');
        assert.deepEqual(versions.rows.map((r) => r.version).filter((v) => v >= 100), MIGRATIONS.map((m) => m.version).filter((v) => v >= 100));
        await log.record(sampleRecord(2));
        assert.deepEqual(await log.query({}), [sampleRecord(2), old]);
        assert.deepEqual(await log.query({ stan: old.stan }), [old], 'an old row found by its index');
        assert.deepEqual(await analyzedColumns(admin), ANALYZED, 'no statistics for the JSON of version 100 either');
      });
    } finally {
      await pool.end();
    }
  });

  test('a table of schema version 101 migrates to the newest: the same rows, new indexes, found by each filter, pruned by time', async () => {
    await atVersion('from_101', 101, 30, 3, async () => {
      await pgs.withLog('from_101', {}, async ({ log, admin }) => {
        assert.equal(await schemaVersion(admin), NEWEST);
        assert.deepEqual(await indexesOf(admin), INDEXES_104);
        assert.deepEqual(await analyzedColumns(admin), ANALYZED);
        await log.record(sampleRecord(30, { terminal: 'T0' }));
        const all = await log.query({});
        assert.deepEqual(all, Array.from({ length: 31 }, (_, i) => sampleRecord(30 - i, { terminal: `T${(30 - i) % 3}` })));
        assert.deepEqual((await log.query({ stan: '000007' })).map((r) => r.rrn), ['000000000007']);
        assert.deepEqual((await log.query({ rrn: '000000000030' })).map((r) => r.stan), ['000030']);
        assert.deepEqual((await log.query({ terminal: 'T0', limit: 3 })).map((r) => r.rrn), ['000000000030', '000000000027', '000000000024']);
        assert.equal(await log.prune(sampleRecord(10).at), 10);
        assert.equal((await log.query({})).at(-1)?.rrn, '000000000010', 'the oldest ten went');
      });
    });
  });

  test('a table of schema version 102 migrates to the newest: statistics only for the columns a query filters on, rows and plans as before', async () => {
    await atVersion('from_102', 102, 200, 4, async (pool) => {
      const before = await analyzedColumns(pool);
      assert.ok(UNQUERIED_COLUMNS.filter((c) => c !== 'record').every((c) => before.includes(c)), `version 102 analyzes every column: ${before.join(' ')}`);
      await pgs.withLog('from_102', {}, async ({ log, admin }) => {
        assert.equal(await schemaVersion(admin), NEWEST);
        assert.deepEqual(await analyzedColumns(admin), ANALYZED);
        const targets = await admin.query<{ name: string; target: number }>(
          "SELECT attname AS name, attstattarget AS target FROM pg_attribute WHERE attrelid = 'iso8583_transactions'::regclass AND attnum > 0 AND NOT attisdropped",
        );
        for (const { name, target } of targets.rows) assert.equal(target, UNQUERIED_COLUMNS.includes(name) ? 0 : -1, name);
        assert.deepEqual(await indexesOf(admin), INDEXES_104);
        assert.equal((await log.query({})).length, 100, 'the default limit of the 200 rows');
        assert.deepEqual((await log.query({ terminal: 'T1', limit: 2 })).map((r) => r.rrn), ['000000000197', '000000000193']);
      });
    });
  });

  test('a table of schema version 103 migrates to 104: the rows stay where they are, STAN and RRN found through one GIN index, the key columns in "C"', async () => {
    await atVersion('from_103', 103, 300, 5, async (pool) => {
      assert.deepEqual(await indexesOf(pool), INDEXES_102);
      assert.deepEqual(await keyCollations(pool), { rrn: 'default', stan: 'default', terminal: 'default' });
      const file = async (): Promise<string> => (await pool.query<{ f: string }>("SELECT pg_relation_filenode('iso8583_transactions')::text AS f")).rows[0]?.f ?? '';
      const before = await file();
      await pgs.withLog('from_103', {}, async ({ log, admin }) => {
        assert.equal(await schemaVersion(admin), NEWEST);
        assert.equal(await file(), before, 'the table is not rewritten');
        assert.deepEqual(await indexesOf(admin), INDEXES_104);
        assert.deepEqual(await keyCollations(admin), { rrn: 'C', stan: 'C', terminal: 'C' });
        assert.deepEqual(await analyzedColumns(admin), ANALYZED);
        await log.record(sampleRecord(300, { terminal: 'T0' }));
        assert.deepEqual(await log.query({ stan: '000007' }), [sampleRecord(7, { terminal: 'T2' })]);
        assert.deepEqual((await log.query({ rrn: '000000000300' })).map((r) => r.stan), ['000300']);
        assert.deepEqual((await log.query({ terminal: 'T0', limit: 3 })).map((r) => r.rrn), ['000000000300', '000000000295', '000000000290']);
      });
    });
  });

  test('prune works in chunks and leaves newer records alone', async () => {
    const log = pgs.makeLog('prune_chunks', { pruneChunk: 7 });
    await log.open();
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => log.record(sampleRecord(i))));
      assert.equal(await log.prune(sampleRecord(30).at), 30);
      assert.equal((await log.query({})).length, 10);
      assert.equal(await log.prune(-1e300), 0, 'a time before 1970 removes nothing');
      assert.equal(await log.prune(1e300), 10, 'a time past year 9999 removes everything');
    } finally {
      await log.close();
    }
  });
});
