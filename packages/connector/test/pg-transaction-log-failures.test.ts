// PgTransactionLog against a real PostgreSQL server (one cluster for this file, one database per test) when things go
// wrong: a database outage, a full buffer, a batch held past closeTimeout or refused for its data, a database that
// cannot be reached, and a process that never closes the log (batching and card data: pg-transaction-log.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { waitUntil, within } from '@iso8583/test-support';
import { MAX_TRANSACTION_BATCH, PgTransactionLog } from '../src/index.js';
import type { PgTransactionLogOptions } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { capturedLogger, downPort } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());
const database = (name: string): string => pgs.database(name);
const makeLog = (name: string, options: Omit<PgTransactionLogOptions, 'connectionString'> = {}): PgTransactionLog => pgs.makeLog(name, options);

describe('PgTransactionLog when things go wrong', () => {
  test('database down and back: records made while it is down are stored once it returns, none twice', async () => {
    const { logger, lines } = capturedLogger('info');
    const log = makeLog('outage', { logger, retryDelay: 20, maxRetryDelay: 100 });
    await log.open();
    let restarted = false;
    try {
      await log.record(sampleRecord(0));
      pgs.cluster.stopServer();
      const during = Array.from({ length: 40 }, (_, i) => log.record(sampleRecord(i + 1)));
      await waitUntil(() => log.stats().failedBatches >= 1, { what: 'a failed batch while the database is down' });
      assert.equal(log.stats().stored, 1);
      assert.ok(lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE' && l['level'] === 40), JSON.stringify(lines));
      const more = Array.from({ length: 10 }, (_, i) => log.record(sampleRecord(i + 41)));
      pgs.cluster.startServer();
      restarted = true;
      await Promise.all([...during, ...more]);
      const all = await log.query({ limit: 1000 });
      assert.deepEqual(all.map((r) => r.stan), Array.from({ length: 51 }, (_, i) => String(50 - i).padStart(6, '0')));
      assert.deepEqual({ ...log.stats(), failedBatches: 0, batches: 0 }, { buffered: 0, inFlight: 0, stored: 51, batches: 0, dropped: 0, failedBatches: 0, kept: 0, inDoubt: 0, replayed: 0 });
      assert.ok(lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE' && l['level'] === 30), 'the return is logged');
      assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/);
    } finally {
      if (!restarted) pgs.cluster.startServer();
      await log.close();
    }
  });

  test('a full buffer drops the oldest records with a coded warning and a counter; record never blocks or throws', async (t) => {
    const { logger, lines } = capturedLogger('info');
    const port = await downPort(t);
    const log = new PgTransactionLog({ connectionString: `postgresql://iso8583@127.0.0.1:${port}/none`, maxBuffered: 10, retryDelay: 60_000, closeTimeout: 50, logger });
    const outcomes: (string | undefined)[] = [];
    const track = (p: Promise<void>, i: number): void => {
      p.then(
        () => (outcomes[i] = 'stored'),
        (err: { code?: string }) => (outcomes[i] = err.code),
      );
    };
    for (let i = 0; i < 25; i++) track(log.record(sampleRecord(i)), i);
    assert.equal(log.stats().buffered, 10);
    assert.equal(log.stats().dropped, 15);
    await waitUntil(() => log.stats().failedBatches === 1 && log.stats().inFlight === 0, { what: 'the first INSERT to fail' });
    for (let i = 25; i < 30; i++) track(log.record(sampleRecord(i)), i);
    assert.deepEqual(log.stats(), { buffered: 10, inFlight: 0, stored: 0, batches: 0, dropped: 20, failedBatches: 1, kept: 0, inDoubt: 0, replayed: 0 });
    const drops = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED');
    assert.ok(drops.length >= 1);
    assert.equal(drops.at(-1)?.['droppedTotal'], 15, 'reported when the batch failed');
    await log.close();
    assert.equal(log.stats().dropped, 30, 'what close could not store is dropped and counted');
    await waitUntil(() => outcomes.filter((o) => o !== undefined).length === 30, { what: 'every record promise to settle' });
    assert.deepEqual(new Set(outcomes), new Set(['ISO8583_ERR_CONNECTOR_STORE']));
    assert.equal(lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED').at(-1)?.['droppedTotal'], 30);
    await assert.rejects(log.record(sampleRecord(99)), (err: { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_CLOSED');
  });

  test('close gives up on a batch the database holds past closeTimeout: with no spillDir its records are reported in doubt at once (it may commit yet), never dropped nor left in limbo', async () => {
    const { logger, lines } = capturedLogger('info');
    const url = database('close_in_flight');
    const log = new PgTransactionLog({ connectionString: url, closeTimeout: 100, logger });
    await log.open();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE iso8583_transactions IN EXCLUSIVE MODE');
      const outcomes: (string | undefined)[] = [];
      for (let i = 0; i < 5; i++) {
        log.record(sampleRecord(i)).then(
          () => (outcomes[i] = 'stored'),
          (err: { code?: string }) => (outcomes[i] = err.code),
        );
      }
      const waiting = async (): Promise<number[]> =>
        (await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE relation = 'iso8583_transactions'::regclass AND NOT granted")).rows.map((r) => r.pid);
      await waitUntil(async () => (await waiting()).length > 0, { what: 'the COPY to wait for the lock' });
      const closed = log.close();
      await waitUntil(() => lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT' && l['inDoubt'] === 5), { what: 'close to give up on the batch in flight' });
      await waitUntil(() => outcomes.filter((o) => o !== undefined).length === 5, { what: 'every record promise to settle' });
      assert.deepEqual(new Set(outcomes), new Set(['ISO8583_ERR_CONNECTOR_STORE']));
      for (const pid of await waiting()) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await closed;
      assert.equal(log.stats().inDoubt, 5, 'in doubt, not dropped: its COPY was waiting on the server');
      assert.equal(log.stats().dropped, 0, 'its failure after close counts nothing more');
      assert.ok(!lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED'));
      await admin.query('ROLLBACK');
    } finally {
      await admin.end();
      await log.close();
    }
  });

  test('close returns within closeTimeout while the database still holds a batch (the pool is not waited for past it)', async () => {
    const url = database('close_held');
    const log = new PgTransactionLog({ connectionString: url, closeTimeout: 100 });
    await log.open();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE iso8583_transactions IN EXCLUSIVE MODE');
      const stored = log.record(sampleRecord(1));
      stored.catch(() => undefined);
      await waitUntil(
        async () =>
          (await admin.query("SELECT 1 FROM pg_locks WHERE relation = 'iso8583_transactions'::regclass AND NOT granted")).rows.length > 0,
        { what: 'the COPY to wait for the lock' },
      );
      // The lock is held all along: before, close waited for the pool's client (pool.end) until the database let go.
      await within(log.close(), 15_000, 'close with the batch still held by the database');
      // Let go: the batch in flight then settles one way or the other (taken late, or dropped).
      await admin.query('ROLLBACK');
      const outcome = await within(stored.then(() => 'stored', (err: { code?: string }) => err.code), 20_000, 'the held record to settle');
      assert.ok(outcome === 'stored' || outcome === 'ISO8583_ERR_CONNECTOR_STORE', String(outcome));
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
    }
  });

  test('a record the database refuses for its data is dropped with a coded warning, not retried forever, the others of its batch stored; the log goes on', async () => {
    const { logger, lines } = capturedLogger('info');
    await pgs.withLog('poison_batch', { logger }, async ({ log, admin }) => {
      // A rule the log does not know of, standing for any refusal of the data itself (SQLSTATE 23514).
      await admin.query("ALTER TABLE iso8583_transactions ADD CONSTRAINT no_stan_999999 CHECK (stan <> '999999')");
      const refused = [log.record(sampleRecord(1)), log.record(sampleRecord(2, { stan: '999999' }))];
      for (const p of refused) {
        await assert.rejects(within(p, 20_000, 'a record of the refused batch'), (err: { code?: string; message: string }) => {
          assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE', err.message);
          assert.match(err.message, /23514/);
          return true;
        });
      }
      await log.record(sampleRecord(3));
      // The batch is sent again in halves: the record it was not refused for is stored, the one it was is dropped.
      assert.deepEqual((await log.query({})).map((r) => r.stan), ['000003', '000001']);
      assert.equal(log.stats().dropped, 1);
      assert.ok(lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED' && l['cause'] === '23514' && l['dropped'] === 1), JSON.stringify(lines));
    });
  });

  test('open on a database that cannot be reached fails with ISO8583_ERR_CONNECTOR_STORE; bad options are refused by name', async (t) => {
    const port = await downPort(t);
    const log = new PgTransactionLog({ connectionString: `postgresql://iso8583@127.0.0.1:${port}/none` });
    await assert.rejects(log.open(), (err: { code?: string; message: string }) => err.code === 'ISO8583_ERR_CONNECTOR_STORE' && /ECONNREFUSED/.test(err.message));
    await log.close();
    const bad: [PgTransactionLogOptions, string][] = [
      [{}, 'connectionString'],
      [{ connectionString: 'postgresql://x/y', maxBatch: 0 }, 'maxBatch'],
      [{ connectionString: 'postgresql://x/y', maxBatch: MAX_TRANSACTION_BATCH + 1 }, 'maxBatch'],
      [{ connectionString: 'postgresql://x/y', node: 'a\tb' }, 'node'],
      [{ connectionString: 'postgresql://x/y', maxBuffered: 1.5 }, 'maxBuffered'],
      [{ connectionString: 'postgresql://x/y', node: '' }, 'node'],
    ];
    for (const [options, field] of bad) {
      assert.throws(() => new PgTransactionLog(options), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === field);
    }
  });

  test('a full buffer drops exactly the oldest records, whatever promise they share; the others are stored when the database returns', async () => {
    const log = makeLog('full_then_back', { maxBuffered: 10, retryDelay: 20, maxRetryDelay: 100 });
    await log.open();
    let restarted = false;
    try {
      await log.record(sampleRecord(0));
      pgs.cluster.stopServer();
      // The pool's connection, ended by the stop, is found dead by a query first: a batch written on it would fail with
      // its fate unknown, in doubt, and be kept whole while the records behind it are dropped (pg-transaction-log-twice).
      await assert.rejects(log.query({}), (err: { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_STORE');
      // 25 in one tick: the 15 oldest are dropped as they come; a promise that one of its records lost rejects, and the
      // records after it get a new one.
      const first = Array.from({ length: 25 }, (_, i) => log.record(sampleRecord(i + 1)));
      assert.deepEqual({ buffered: log.stats().buffered, dropped: log.stats().dropped }, { buffered: 10, dropped: 15 });
      await assert.rejects(first[0] as Promise<void>, (err: { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_STORE');
      await waitUntil(() => log.stats().failedBatches >= 1 && log.stats().inFlight === 0, { what: 'a failed batch while the database is down' });
      // Five more (a promise of their own): each drops one of the oldest, 16 to 20.
      const second = Array.from({ length: 5 }, (_, i) => log.record(sampleRecord(i + 26)));
      assert.equal(new Set(second).size, 1);
      assert.notEqual(second[0], first[0], 'a rejected promise is not handed to later records');
      assert.deepEqual({ buffered: log.stats().buffered, dropped: log.stats().dropped }, { buffered: 10, dropped: 20 });
      pgs.cluster.startServer();
      restarted = true;
      await within(Promise.all([first[24], second[0]]), 30_000, 'the promises of records all kept to resolve');
      await waitUntil(() => log.stats().stored === 11, { what: 'the 10 kept records to be stored' });
      const stans = (await log.query({ limit: 100 })).map((r) => Number(r.stan));
      assert.deepEqual(stans, [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 0], 'the 10 newest kept, the 20 oldest dropped, none twice');
    } finally {
      if (!restarted) pgs.cluster.startServer();
      await log.close();
    }
  });

  test('a process that records and never closes the log ends on its own once its records are stored', async () => {
    const url = database('exit_alone');
    const index = new URL('../src/index.js', import.meta.url).href;
    const script = `
      const { PgTransactionLog } = await import(${JSON.stringify(index)});
      const log = new PgTransactionLog({ connectionString: ${JSON.stringify(url)} });
      await log.open();
      await log.record(${JSON.stringify(sampleRecord(1))});
      // Within flushInterval of the last batch: this one waits for the flush timer, which the process waits for.
      void log.record(${JSON.stringify(sampleRecord(2))});
      process.stdout.write('recorded\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await within(new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('recorded') && resolve())), 30_000, 'the child to record');
      // The pool's idle connections held a process for idleTimeoutMillis (10 s) after its last statement.
      assert.equal(await within(exited, 5_000, 'the child to end on its own'), 0);
    } finally {
      child.kill('SIGKILL');
    }
    const log = makeLog('exit_alone');
    try {
      assert.deepEqual((await log.query({})).map((r) => r.stan), ['000002', '000001'], 'nothing waiting was lost');
    } finally {
      await log.close();
    }
  });
});
