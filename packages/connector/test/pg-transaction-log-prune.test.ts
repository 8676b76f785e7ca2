// The PostgreSQL transaction log's prune: rows found and deleted by the primary key (at, seq), so that a table
// partitioned by month (as docs/operations.md suggests for a large log) loses its old rows only, never current ones;
// a row another session holds locked is waited for at most a second (a stop waited ~7 s on it; skipping it with
// FOR UPDATE SKIP LOCKED needed the UPDATE privilege, which an append-only role lacks), and the next prune takes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { within } from '@iso8583/test-support';
import { TRANSACTION_PRUNE } from '../src/pg/transaction-sql.js';
import { PgTransactionLog } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

test('prune finds and deletes its rows by the primary key (EXPLAIN of its statement): no row address, no scan of the whole table', async () => {
  await pgs.withLog('prune_plan', { maxBatch: 5000 }, async ({ log, admin }) => {
    await Promise.all(Array.from({ length: 20_000 }, (_, i) => log.record(sampleRecord(i))));
    await admin.query('ANALYZE iso8583_transactions');
    const cutoff = new Date(sampleRecord(10_000).at).toISOString();
    const { rows } = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${TRANSACTION_PRUNE}`, [cutoff, 100]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /Index (Only )?Scan using iso8583_transactions_pkey/, plan);
    assert.doesNotMatch(plan, /Seq Scan|Tid Scan|ctid/i, plan);
  });
});

test('prune on a table partitioned by month removes the old rows only: the current partition keeps every row', async () => {
  await pgs.withLog('prune_partitions', { pruneChunk: 3 }, async ({ log, admin }) => {
    // The log's table made partitioned by month, as an operator would (same columns, defaults and primary key).
    await admin.query(`ALTER TABLE iso8583_transactions RENAME TO iso8583_transactions_plain;
      CREATE TABLE iso8583_transactions (LIKE iso8583_transactions_plain INCLUDING DEFAULTS) PARTITION BY RANGE (at);
      ALTER TABLE iso8583_transactions ADD PRIMARY KEY (at, seq);
      CREATE TABLE iso8583_transactions_2026_01 PARTITION OF iso8583_transactions FOR VALUES FROM ('2026-01-01Z') TO ('2026-02-01Z');
      CREATE TABLE iso8583_transactions_2026_02 PARTITION OF iso8583_transactions FOR VALUES FROM ('2026-02-01Z') TO ('2026-03-01Z');`);
    const january = Date.UTC(2026, 0, 10);
    const february = Date.UTC(2026, 1, 10);
    // The same number of rows in each partition, so that their row addresses (ctid) are the same in both.
    for (let i = 0; i < 7; i++) await log.record(sampleRecord(i, { at: january + i * 1000 }));
    for (let i = 0; i < 7; i++) await log.record(sampleRecord(100 + i, { at: february + i * 1000 }));
    assert.equal(await log.prune(Date.UTC(2026, 1, 1)), 7, 'January only');
    const left = await admin.query<{ n: number; old: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE at < '2026-02-01Z')::int AS old FROM iso8583_transactions`);
    assert.deepEqual(left.rows[0], { n: 7, old: 0 }, 'every February row is still there');
  });
});

test('prune waits at most a second for a row another session holds locked: the chunks before it removed, the next prune takes the rest', async () => {
  await pgs.withLog('prune_locked_row', { pruneChunk: 2 }, async ({ log, admin }) => {
    const january = Date.UTC(2026, 0, 10);
    for (let i = 0; i < 5; i++) await log.record(sampleRecord(i, { at: january + i * 1000 }));
    await admin.query(`INSERT INTO iso8583_transaction_batches (id, at) VALUES ('old-token', '2026-01-10Z')`);
    // A report or a manual fix left open: the fourth oldest record locked (in the prune's second chunk).
    await admin.query('BEGIN');
    // (Found first, then locked alone: FOR UPDATE with OFFSET would lock the rows it skips too.)
    const fourth = await admin.query<{ seq: string }>(`SELECT seq FROM iso8583_transactions ORDER BY at, seq OFFSET 3 LIMIT 1`);
    const locked = await admin.query(`SELECT seq FROM iso8583_transactions WHERE seq = $1 FOR UPDATE`, [fourth.rows[0]?.seq]);
    assert.equal(locked.rowCount, 1);
    // Waiting for the lock, the prune never ended (nor would a stop behind it): bounded here to say so.
    const started = Date.now();
    await assert.rejects(within(log.prune(Date.UTC(2026, 1, 1)), 5_000, 'the prune waited for the locked row'), (err: Error & { code?: string; cause?: { code?: string } }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
      assert.equal(err.cause?.code, '55P03');
      assert.match(err.message, /a row another session holds locked: retried at the next prune/);
      return true;
    });
    assert.ok(Date.now() - started < 4_000, `the prune ended after ${Date.now() - started} ms`);
    const left = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM iso8583_transactions`);
    assert.equal(left.rows[0]?.n, 3, 'the first chunk (the two oldest) removed, the rest left');
    await admin.query('ROLLBACK');
    assert.equal(await log.prune(Date.UTC(2026, 1, 1)), 3, 'the next prune takes the rest');
    const tokens = await admin.query(`SELECT id FROM iso8583_transaction_batches WHERE id = 'old-token'`);
    assert.equal(tokens.rowCount, 0, 'and the old token');
  });
});

test('prune works for an append-only role (SELECT, INSERT, DELETE; no UPDATE); a role without DELETE is refused naming the privileges', async () => {
  await pgs.withLog('prune_roles', {}, async ({ log, admin, url }) => {
    await admin.query(`CREATE ROLE prune_append LOGIN; CREATE ROLE prune_no_delete LOGIN;
      GRANT SELECT, INSERT, DELETE ON iso8583_transactions, iso8583_transaction_batches TO prune_append;
      GRANT SELECT, INSERT ON iso8583_transactions, iso8583_transaction_batches TO prune_no_delete;
      GRANT USAGE, CREATE ON SCHEMA public TO prune_append, prune_no_delete;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO prune_append, prune_no_delete;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO prune_append, prune_no_delete`);
    const old = Date.UTC(2026, 0, 10);
    for (let i = 0; i < 3; i++) await log.record(sampleRecord(i, { at: old + i * 1000 }));
    await admin.query(`INSERT INTO iso8583_transaction_batches (id, at) VALUES ('old-token', '2026-01-10Z')`);
    const as = (role: string): PgTransactionLog => new PgTransactionLog({ connectionString: url.replace(/\/\/[^@/]+@/, `//${role}@`), node: role });
    const noDelete = as('prune_no_delete');
    try {
      await noDelete.open();
      await assert.rejects(noDelete.prune(Date.UTC(2026, 1, 1)), (err: Error & { code?: string; cause?: { code?: string } }) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
        assert.equal(err.cause?.code, '42501');
        assert.match(err.message, /its role lacks a privilege it needs \(SELECT and DELETE on iso8583_transactions and iso8583_transaction_batches\)/);
        return true;
      });
    } finally {
      await noDelete.close();
    }
    const append = as('prune_append');
    try {
      await append.open();
      assert.equal(await append.prune(Date.UTC(2026, 1, 1)), 3, 'every old record');
    } finally {
      await append.close();
    }
    const tokens = await admin.query(`SELECT id FROM iso8583_transaction_batches WHERE id = 'old-token'`);
    assert.equal(tokens.rowCount, 0, 'and the old token');
  });
});
