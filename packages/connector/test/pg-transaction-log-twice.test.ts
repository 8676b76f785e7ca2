// A batch of the PostgreSQL transaction log whose COPY committed but whose answer never came back (the answer later
// than the statement timeout, or the connection broken after the commit) fails with its fate unknown and is sent
// again: it must be stored once, not twice (a purchase listed twice by every query), and the records recorded
// meanwhile must be stored too (batch-token.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { waitUntil, within } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import type { PgTransactionLogOptions } from '../src/index.js';
import { SPENT_TOKENS_DELETED } from '../src/pg/batch-token.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { answerDroppingProxy } from './helpers/pg-proxy.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/**
 * A log on database `name` through an answer-dropping proxy (statements time out after 400 ms, retries come fast),
 * opened; `check` reads the database directly, `count(n)` counts the rows of `sampleRecord(n)`. Closed after the test.
 */
async function proxiedLog(t: TestContext, name: string, options: Partial<PgTransactionLogOptions> = {}, sharedPool?: pg.PoolConfig) {
  const url = new URL(pgs.database(name));
  const proxy = await answerDroppingProxy(Number(url.port));
  t.after(() => proxy.close());
  const check = new pg.Pool({ connectionString: url.toString() });
  t.after(() => check.end());
  url.port = String(proxy.port);
  // With `sharedPool`, the log is given a pool of the application's (with that configuration) instead of its own.
  const pool = sharedPool === undefined ? undefined : new pg.Pool({ ...sharedPool, connectionString: url.toString() });
  if (pool !== undefined) t.after(() => pool.end());
  const where = pool === undefined ? { connectionString: url.toString() } : { pool };
  const log = new PgTransactionLog({ ...where, statementTimeout: 400, retryDelay: 20, maxRetryDelay: 100, ...options });
  t.after(() => log.close());
  await log.open();
  const count = async (n: number): Promise<number> =>
    (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions WHERE stan = $1', [sampleRecord(n).stan])).rows[0]?.n ?? 0;
  /** Sessions other than `check`'s own still running (not idle after) a batch's statement (its insert of its token). */
  const running = async (): Promise<number> =>
    (await check.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND state <> 'idle' AND strpos(query, 'INSERT INTO iso8583_transaction_batches') > 0")).rows[0]?.n ?? 0;
  return { proxy, check, log, count, running };
}

test('a batch that committed but whose answer was lost is sent again and stored once; the records recorded meanwhile are stored too', async (t) => {
  const { proxy, check, log, count } = await proxiedLog(t, 'answer_lost');
  await log.record(sampleRecord(1));

  proxy.arm();
  const second = log.record(sampleRecord(2));
  await waitUntil(async () => (await count(2)) === 1, { what: 'the batch to commit on the server' });
  await waitUntil(() => log.stats().failedBatches === 1, { what: 'the batch to fail on the client (its answer lost)' });
  const third = log.record(sampleRecord(3));
  await Promise.all([second, third]);

  assert.equal(await count(2), 1, 'stored once, though sent twice');
  assert.equal(await count(3), 1, 'the record recorded while the batch was in doubt is stored');
  assert.deepEqual(
    (await log.query({})).map((r) => r.stan),
    [3, 2, 1].map((n) => sampleRecord(n).stan),
  );
  assert.equal(log.stats().stored, 3);
  const tokens = async (): Promise<number> => (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transaction_batches')).rows[0]?.n ?? 0;
  assert.equal(await tokens(), 3, 'a token per batch stored, three batches (the retry stored none)');
  for (let n = 4; n < 4 + SPENT_TOKENS_DELETED; n++) await log.record(sampleRecord(n));
  assert.ok((await tokens()) < SPENT_TOKENS_DELETED, `the tokens of stored batches are deleted ${SPENT_TOKENS_DELETED} at a time by a later batch`);
});

test('a batch whose first try the server still holds open (waiting for rows its client will never send) is stored once the retry has waited half the statement timeout and ended that try', async (t) => {
  const { proxy, check, log, running } = await proxiedLog(t, 'try_stranded');
  proxy.strand();
  await log.record(sampleRecord(1));
  assert.ok(log.stats().failedBatches >= 2, 'the first try timed out, the retry under its token waited for it and gave up');
  const { rows } = await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions');
  assert.equal(rows[0]?.n, 1, 'stored once, under its token (the stranded try ended)');
  assert.deepEqual((await log.query({})).map((r) => r.stan), [sampleRecord(1).stan]);
  // Stored under a fresh token instead, the stranded try would still hold the first token, waiting for its rows.
  await waitUntil(async () => (await running()) === 0, { what: 'the stranded try to be ended (not left holding its token)', timeoutMs: 5_000 });
  const tokens = await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transaction_batches');
  assert.equal(tokens.rows[0]?.n, 1, 'one token: the retry kept the first try\'s');
});

test('with a given pool whose query timeout is shorter than half the statement timeout, a batch whose first try is stranded still waits less than the pool allows, ends that try and is stored once', async (t) => {
  // The pool's own query_timeout (400 ms) ends a retry waiting the log's statementTimeout / 2 (1 s) first: the retry
  // would fail with the client's timeout, never the lock wait's 55P03, and the stranded try would never be ended.
  const { proxy, log, count, running } = await proxiedLog(t, 'shared_pool', { statementTimeout: 2_000 }, { query_timeout: 400, max: 4 });
  proxy.strand();
  const stored = log.record(sampleRecord(1)).then(() => true);
  await waitUntil(() => stored, { what: 'the record to be stored', timeoutMs: 10_000 });
  assert.equal(await count(1), 1, 'stored once');
  await waitUntil(async () => (await running()) === 0, { what: 'the stranded try to be ended', timeoutMs: 5_000 });
});

test('a batch whose first try the server still runs once its retry has waited (its last message held back) has that try ended: stored once', async (t) => {
  const { proxy, log, count } = await proxiedLog(t, 'twice_held');
  const firstTry = proxy.hold();
  await log.record(sampleRecord(1));
  const outcome = await firstTry.release();
  assert.equal(await count(1), 1, 'stored once: the first try could not commit after the retry did');
  assert.equal(outcome, 'ended', "the first try's session was ended before the retry went again under its token");
});

test('a batch in doubt is kept whole when a full buffer drops its oldest records: the records behind it are dropped, the batch is stored once and its callers told so', async (t) => {
  // maxBuffered 3: the 2-record batch in doubt and 2 records recorded meanwhile overflow it by one once it is put back.
  const { proxy, log, count } = await proxiedLog(t, 'twice_trim', { maxBuffered: 3, flushInterval: 25 });
  await log.record(sampleRecord(1));
  const outcome = (p: Promise<void>): Promise<string> => p.then(() => 'stored', (e: { code?: string }) => `rejected ${String(e.code)}`);
  proxy.arm();
  const inDoubt = [outcome(log.record(sampleRecord(2))), outcome(log.record(sampleRecord(3)))];
  await waitUntil(async () => (await count(2)) === 1 && (await count(3)) === 1, { what: 'the 2-record batch to commit on the server' });
  const behind = [outcome(log.record(sampleRecord(4))), outcome(log.record(sampleRecord(5)))];
  assert.deepEqual(await Promise.all(inDoubt), ['stored', 'stored'], 'the batch in doubt is stored (once) and said so');
  // Recorded together, the two behind it share one promise, which rejects when one of them is dropped (not all stored).
  assert.deepEqual(await Promise.all(behind), ['rejected ISO8583_ERR_CONNECTOR_STORE', 'rejected ISO8583_ERR_CONNECTOR_STORE']);
  for (const n of [1, 2, 3]) assert.equal(await count(n), 1, `record ${n} once`);
  await waitUntil(async () => (await count(5)) === 1, { what: 'the record behind the dropped one to be stored' });
  assert.equal(await count(4), 0, 'the oldest record behind the batch in doubt is the one dropped');
  assert.equal(log.stats().dropped, 1);
});

test('a connection that breaks while its batch is in flight fails that batch (the process goes on) and the batch is stored once', async (t) => {
  const { proxy, log, count } = await proxiedLog(t, 'twice_cut');
  await log.record(sampleRecord(1));
  proxy.arm();
  const second = log.record(sampleRecord(2));
  await waitUntil(async () => (await count(2)) === 1, { what: 'the batch to commit on the server' });
  proxy.cut();
  await second;
  assert.equal(await count(2), 1, 'stored once');
  assert.equal(log.stats().failedBatches, 1, 'the batch failed once, with the connection');
});

test('a batch in doubt whose retry finds the database restarting (refused before any statement) keeps its token: stored once when the database is back', async (t) => {
  const { proxy, log, count } = await proxiedLog(t, 'twice_restart');
  await log.record(sampleRecord(1));
  proxy.arm();
  const second = log.record(sampleRecord(2));
  await waitUntil(async () => (await count(2)) === 1, { what: 'the batch to commit on the server' });
  // The database goes down with the answer: the batch fails in doubt, and its retries are refused at the connection.
  proxy.refuse(true);
  proxy.cut();
  await waitUntil(() => log.stats().failedBatches >= 3, { what: 'the batch in doubt and two of its retries to fail' });
  proxy.refuse(false);
  await second;
  assert.equal(await count(2), 1, 'stored once: a retry refused before any statement says nothing of the first try');
  assert.equal(log.stats().stored, 2);
});

test('a batch in doubt whose retry is refused for the data of one record is sent again in halves, not held whole under its token: the other record is stored once', async (t) => {
  const { proxy, check, log, count } = await proxiedLog(t, 'twice_data');
  await log.record(sampleRecord(1));
  // One batch of two records whose first try the server holds open (its COPY begun, its rows never sent): in doubt.
  proxy.strand();
  const batch = Promise.allSettled([log.record(sampleRecord(2)), log.record(sampleRecord(3, { stan: '999999' }))]);
  await waitUntil(
    async () => (await check.query("SELECT 1 FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND relation = 'iso8583_transactions'::regclass AND granted AND pid <> pg_backend_pid()")).rows.length > 0,
    { what: 'the stranded COPY to hold the table' },
  );
  // A rule the log does not know of, refusing one of its records (SQLSTATE 23514): it waits behind the stranded try,
  // which the retry ends; the retry then finds it in place.
  const rule = check.query("ALTER TABLE iso8583_transactions ADD CONSTRAINT no_stan_999999 CHECK (stan <> '999999')");
  // Before: the retry refused for its data was held whole under its token and sent again at once, refused, for ever.
  await within(batch, 20_000, 'the batch refused for one record');
  await rule;
  assert.equal(await count(2), 1, 'the record not refused is stored once');
  assert.equal(log.stats().dropped, 1, 'only the refused record is dropped');
});
