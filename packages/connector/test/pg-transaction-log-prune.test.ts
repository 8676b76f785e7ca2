// The PostgreSQL transaction log's prune: rows found and deleted by the primary key (at, seq), so that a table
// partitioned by month (as docs/operations.md suggests for a large log) loses its old rows only, never current ones;
// a row another session holds locked is skipped, not waited for (a stop waited ~7 s on it), and the next prune takes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { within } from '@iso8583/test-support';
import { TRANSACTION_PRUNE } from '../src/pg/transaction-sql.js';
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

test('prune skips a record or batch token another session holds locked, ends at once, and the next prune takes them', async () => {
  await pgs.withLog('prune_skip_locked', { pruneChunk: 2 }, async ({ log, admin }) => {
    const january = Date.UTC(2026, 0, 10);
    for (let i = 0; i < 5; i++) await log.record(sampleRecord(i, { at: january + i * 1000 }));
    await admin.query(`INSERT INTO iso8583_transaction_batches (id, at) VALUES ('old-token', '2026-01-10Z')`);
    // A report or a manual fix left open: the second oldest record and the old token locked.
    await admin.query('BEGIN');
    // (Found first, then locked alone: FOR UPDATE with OFFSET would lock the rows it skips too.)
    const second = await admin.query<{ seq: string }>(`SELECT seq FROM iso8583_transactions ORDER BY at, seq OFFSET 1 LIMIT 1`);
    const locked = await admin.query<{ seq: string }>(`SELECT seq FROM iso8583_transactions WHERE seq = $1 FOR UPDATE`, [second.rows[0]?.seq]);
    assert.equal(locked.rowCount, 1);
    await admin.query(`SELECT id FROM iso8583_transaction_batches WHERE id = 'old-token' FOR UPDATE`);
    // Waiting for the lock, the prune never ended (nor would a stop behind it): bounded here to say so.
    assert.equal(await within(log.prune(Date.UTC(2026, 1, 1)), 5_000, 'the prune waited for the locked row'), 4, 'every record but the locked one');
    await admin.query('ROLLBACK');
    const left = await admin.query<{ seq: string }>(`SELECT seq FROM iso8583_transactions`);
    assert.deepEqual(left.rows.map((r) => r.seq), [locked.rows[0]?.seq], 'the locked record is still there');
    assert.equal(await log.prune(Date.UTC(2026, 1, 1)), 1, 'the next prune takes it');
    const tokens = await admin.query(`SELECT id FROM iso8583_transaction_batches WHERE id = 'old-token'`);
    assert.equal(tokens.rowCount, 0, 'and the old token');
  });
});
