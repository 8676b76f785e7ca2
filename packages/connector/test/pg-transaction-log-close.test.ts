// What close() of the PostgreSQL transaction log does with what its database has not taken by closeTimeout: a batch
// in doubt (sent, its answer lost: maybe stored) is kept in spillDir with its token and the records never sent with
// theirs, whole and synced; the next open() stores each batch once (23505 on a token already stored). Without
// spillDir the batch in doubt is reported in doubt, never as dropped. A spill made for another database is never
// replayed. Through the real TCP proxy of the pg tests, against a real PostgreSQL cluster.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { tempFolder, waitUntil } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import type { PgTransactionLogOptions } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { answerDroppingProxy } from './helpers/pg-proxy.js';
import { capturedLogger } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

const FULL_PAN = '4111111111111111';

/** A fresh spill folder, removed after the test's other hooks (the logs writing into it are closed first). */
function spillFolder(t: TestContext): string {
  return join(tempFolder(t, 'iso8583-spill-'), 'spill');
}

/** A log on `name` through the proxy (fast retries, short statement timeout), opened; `count(n)` reads the table directly. */
async function proxied(t: TestContext, name: string, options: Partial<PgTransactionLogOptions> = {}) {
  const url = new URL(pgs.database(name));
  const proxy = await answerDroppingProxy(Number(url.port));
  t.after(() => proxy.close());
  const check = new pg.Pool({ connectionString: url.toString() });
  t.after(() => check.end());
  const direct = url.toString();
  url.port = String(proxy.port);
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url.toString(), statementTimeout: 400, retryDelay: 20, maxRetryDelay: 50, closeTimeout: 300, logger, ...options });
  t.after(() => log.close());
  await log.open();
  const count = async (n: number): Promise<number> =>
    (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions WHERE stan = $1', [sampleRecord(n).stan])).rows[0]?.n ?? 0;
  return { proxy, log, lines, count, direct, check };
}

const outcome = (p: Promise<void>): Promise<string> => p.then(() => 'stored', (e: Error & { code?: string }) => `${String(e.code)}: ${e.message}`);

/** Records 2 in a batch that commits on the server while its answer is lost, then the database goes away (retries refused). */
async function inDoubtThenAway(s: Awaited<ReturnType<typeof proxied>>): Promise<{ second: Promise<string> }> {
  await s.log.record(sampleRecord(1));
  s.proxy.arm();
  const second = outcome(s.log.record({ ...sampleRecord(2), pan: FULL_PAN }));
  await waitUntil(async () => (await s.count(2)) === 1, { what: 'the batch to commit on the server' });
  s.proxy.refuse(true);
  s.proxy.cut();
  await waitUntil(() => s.log.stats().failedBatches >= 2, { what: 'the batch in doubt and a retry of it to fail' });
  // Wrapped: an async function returning the promise itself would wait for it.
  return { second };
}

test('close with the database away keeps a batch in doubt (stored, its answer lost) and the records never sent in spillDir; the next open stores each once', async (t) => {
  const spillDir = spillFolder(t);
  const s = await proxied(t, 'close_spill_stored', { spillDir });
  const { second } = await inDoubtThenAway(s);
  const third = outcome(s.log.record(sampleRecord(3)));
  await s.log.close();

  assert.equal(await second, 'stored', 'kept whole and synced for the next start: its caller is not told it was lost');
  assert.equal(await third, 'stored');
  const stats = s.log.stats();
  assert.equal(stats.dropped, 0, 'nothing counted as dropped');
  assert.equal(stats.kept, 2, 'the batch in doubt and the record never sent are kept');
  assert.equal(stats.inDoubt, 0);
  const kept = s.lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_KEPT');
  assert.equal(kept?.['kept'], 2);
  assert.equal(kept?.['inDoubt'], 1);
  assert.ok(!s.lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED'), 'no record reported dropped');

  const files = readdirSync(spillDir);
  assert.equal(files.length, 1, `one spill file, no temporary left: ${files.join(', ')}`);
  const file = join(spillDir, files[0] as string);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(spillDir).mode & 0o777, 0o700);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(FULL_PAN), 'the PAN is masked at rest, as in the table');
  assert.ok(text.includes('411111******1111'));

  // The next start (the database back, a new process): the batch in doubt is found stored by its token, the other stored.
  const { logger, lines } = capturedLogger('info');
  const next = new PgTransactionLog({ connectionString: s.direct, spillDir, logger });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(2), 1, 'the batch in doubt stored once, not twice');
  assert.equal(await s.count(3), 1, 'the record never sent is stored');
  assert.equal(next.stats().replayed, 2);
  assert.deepEqual(readdirSync(spillDir), [], 'the spill is removed once replayed');
  const replayed = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_KEPT');
  assert.equal(replayed?.['stored'], 1);
  assert.equal(replayed?.['storedBefore'], 1);
});

test('close while a batch is mid-COPY (its last message held): kept in doubt under its token, stored once by the next open after that try is gone', async (t) => {
  const spillDir = spillFolder(t);
  const s = await proxied(t, 'close_spill_midcopy', { spillDir, statementTimeout: 60_000 });
  const held = s.proxy.hold();
  const first = outcome(s.log.record(sampleRecord(1)));
  await waitUntil(() => s.log.stats().inFlight === 1, { what: 'the batch to be in flight' });
  await s.log.close();
  assert.equal(await first, 'stored', 'kept');
  assert.deepEqual([s.log.stats().kept, s.log.stats().dropped, s.log.stats().inDoubt], [1, 0, 0]);
  // The try held mid-COPY ends (its connection cut before CopyDone): the server rolls it back.
  s.proxy.cut();
  assert.equal(await held.release(), 'ended');
  await waitUntil(async () => (await s.check.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND strpos(query, 'INSERT INTO iso8583_transaction_batches') > 0 AND state <> 'idle'")).rows[0]?.n === 0, { what: 'the held try to end on the server' });
  assert.equal(await s.count(1), 0);
  const next = new PgTransactionLog({ connectionString: s.direct, spillDir });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(1), 1, 'stored by the replay, once');
  assert.deepEqual(readdirSync(spillDir), []);
});

test('a batch whose try the server still holds open at close (stranded mid-COPY, its connection never closed there) is kept; the next open ends that try and stores the batch once', async (t) => {
  const spillDir = spillFolder(t);
  const s = await proxied(t, 'close_spill_stranded', { spillDir, statementTimeout: 60_000 });
  s.proxy.strand();
  const first = outcome(s.log.record(sampleRecord(1)));
  await waitUntil(() => s.log.stats().inFlight === 1, { what: 'the batch to be in flight' });
  await s.log.close();
  assert.equal(await first, 'stored', 'kept');
  // The proxy keeps the server's side of the stranded connection open: its try holds the batch's token, uncommitted.
  const { logger, lines } = capturedLogger('info');
  const next = new PgTransactionLog({ connectionString: s.direct, spillDir, statementTimeout: 1_000, logger });
  t.after(() => next.close());
  await next.open();
  assert.deepEqual(
    lines.filter((l) => String(l['code']).startsWith('ISO8583_WARN_TRANSACTION_LOG_')).map((l) => `${String(l['code'])} ${String(l['reason'] ?? '')}`),
    ['ISO8583_WARN_TRANSACTION_LOG_KEPT '],
    'replayed, not left behind the stranded try',
  );
  assert.equal(await s.count(1), 1, 'stored once');
  assert.deepEqual(readdirSync(spillDir), []);
});

test('without spillDir a batch in doubt at close is reported in doubt (it may be stored), not dropped; the records never sent are dropped', async (t) => {
  const s = await proxied(t, 'close_no_spill');
  const { second } = await inDoubtThenAway(s);
  const third = outcome(s.log.record(sampleRecord(3)));
  await s.log.close();
  assert.match(await second, /^ISO8583_ERR_CONNECTOR_STORE: transactionLog: in doubt/);
  assert.match(await third, /^ISO8583_ERR_CONNECTOR_STORE: transactionLog: not stored/);
  const stats = s.log.stats();
  assert.equal(stats.inDoubt, 1, 'the batch in doubt is counted as such');
  assert.equal(stats.dropped, 1, 'only the record never sent is dropped');
  assert.equal(s.lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT')?.['inDoubt'], 1);
  assert.equal(s.lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED')?.['droppedTotal'], 1);
  assert.equal(await s.count(2), 1, 'indeed stored: "dropped" would have been wrong');
});

test('two closes at once settle each record once; a spill of another database or schema is never replayed there, and is kept', async (t) => {
  const spillDir = spillFolder(t);
  const s = await proxied(t, 'close_spill_a', { spillDir });
  const { second } = await inDoubtThenAway(s);
  await Promise.all([s.log.close(), s.log.close()]);
  assert.equal(await second, 'stored');
  assert.equal(s.log.stats().kept, 1);
  assert.equal(readdirSync(spillDir).length, 1, 'one spill, though closed twice');

  const { logger, lines } = capturedLogger('info');
  const other = new PgTransactionLog({ connectionString: pgs.database('close_spill_b'), spillDir, logger });
  t.after(() => other.close());
  await other.open();
  const b = new pg.Client({ connectionString: pgs.database('close_spill_b') });
  await b.connect();
  t.after(() => b.end());
  assert.equal((await b.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions')).rows[0]?.n, 0, 'nothing of database a stored in b');
  assert.equal(readdirSync(spillDir).length, 1, 'the spill is left for its own database');
  assert.match(String(lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL')?.['reason']), /another database \(close_spill_a/);

  // Nor into another schema of its own database (the log's tables found through another search_path).
  const a = new pg.Client({ connectionString: s.direct });
  await a.connect();
  t.after(() => a.end());
  await a.query('CREATE SCHEMA other');
  const otherSchema = new URL(s.direct);
  otherSchema.searchParams.set('options', '-c search_path=other');
  const inOther = new PgTransactionLog({ connectionString: otherSchema.toString(), spillDir, logger });
  t.after(() => inOther.close());
  await inOther.open();
  assert.equal((await a.query<{ n: number }>('SELECT count(*)::int AS n FROM other.iso8583_transactions')).rows[0]?.n, 0, 'nothing stored in the other schema');
  assert.equal(readdirSync(spillDir).length, 1);
  assert.match(String(lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL').at(-1)?.['reason']), /schema public/);

  // A damaged spill (one byte changed) is not replayed either.
  const file = join(spillDir, readdirSync(spillDir)[0] as string);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('411111******1111', '411111******1112'));
  const again = new PgTransactionLog({ connectionString: s.direct, spillDir, logger });
  t.after(() => again.close());
  await again.open();
  assert.equal(await s.count(2), 1);
  assert.match(String(lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL').at(-1)?.['reason']), /damaged/);

  // Restored, it is replayed into its own database: found stored (its token), not stored twice.
  writeFileSync(file, text);
  const own = new PgTransactionLog({ connectionString: s.direct, spillDir, logger });
  t.after(() => own.close());
  await own.open();
  assert.equal(await s.count(2), 1, 'once');
  assert.deepEqual(readdirSync(spillDir), []);
});

/**
 * A log whose first batch waits on the server for a lock a test connection holds on the table: close gives up on it
 * (in doubt, in flight), then `release()` lets it commit, after close counted it.
 */
async function batchHeldByLock(t: TestContext, name: string, options: Partial<PgTransactionLogOptions> = {}) {
  const url = pgs.database(name);
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url, statementTimeout: 60_000, closeTimeout: 300, logger, ...options });
  t.after(() => log.close());
  await log.open();
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.after(() => locker.end());
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE iso8583_transactions IN SHARE MODE');
  const first = outcome(log.record(sampleRecord(1)));
  await waitUntil(() => log.stats().inFlight === 1, { what: 'the batch to be in flight, waiting for the lock' });
  return { log, lines, first, release: () => locker.query('COMMIT'), count: async () => (await locker.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions')).rows[0]?.n };
}

test('a batch in doubt at close (no spillDir) that commits afterwards is counted once: stored, no longer inDoubt', async (t) => {
  const s = await batchHeldByLock(t, 'close_late_no_spill');
  const closing = s.log.close();
  await waitUntil(() => s.log.stats().inDoubt === 1, { what: 'close to report the batch in doubt' });
  await s.release();
  await closing;
  await waitUntil(() => s.log.stats().stored === 1, { what: 'the batch to commit after close' });
  const { stored, inDoubt, kept, dropped } = s.log.stats();
  assert.deepEqual({ stored, inDoubt, kept, dropped }, { stored: 1, inDoubt: 0, kept: 0, dropped: 0 }, 'each record counted once');
  assert.match(await s.first, /in doubt/, 'its caller was told in doubt at close (the truth then)');
  assert.equal(await s.count(), 1);
  const late = s.lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT').at(-1);
  assert.deepEqual([late?.['storedAfterClose'], late?.['was']], [1, 'inDoubt'], 'the operator is told it was stored after all');
});

test('a batch kept in spillDir at close that commits afterwards is counted once: stored, no longer kept; the replay stores nothing twice', async (t) => {
  const spillDir = spillFolder(t);
  const s = await batchHeldByLock(t, 'close_late_spill', { spillDir });
  const closing = s.log.close();
  await waitUntil(() => s.log.stats().kept === 1, { what: 'close to keep the batch in doubt' });
  await s.release();
  await closing;
  await waitUntil(() => s.log.stats().stored === 1, { what: 'the batch to commit after close' });
  const { stored, inDoubt, kept } = s.log.stats();
  assert.deepEqual({ stored, inDoubt, kept }, { stored: 1, inDoubt: 0, kept: 0 }, 'each record counted once');
  assert.equal(await s.first, 'stored');
  const next = new PgTransactionLog({ connectionString: pgs.database('close_late_spill'), spillDir });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(), 1, 'the replay finds its token: stored once');
  assert.deepEqual(readdirSync(spillDir), []);
});
