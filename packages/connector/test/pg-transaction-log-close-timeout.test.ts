// close({ timeout }) of the PostgreSQL transaction log (an abort's budget: the gateway gives it 100 ms): with the
// database frozen under a batch (a relay that stops forwarding, nothing closed), the close stops waiting after
// `timeout`, not after `closeTimeout`, keeps the batch in doubt and the records never sent in spillDir, and the next
// open stores them once. Given to a close already under way, the timeout shortens it. Against a real cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { freezingRelay, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Far longer than the test's own timeout: a close that waits for it fails the test. */
const LONG_CLOSE = 600_000;

/** A log through a freezing relay, one batch stored, then frozen under the next batch's COPY, one more record buffered. */
async function frozenUnderBatch(t: TestContext, name: string) {
  const url = cluster.createDatabase(name);
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-close-timeout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spillDir = join(dir, 'spill');
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: relay.url, closeTimeout: LONG_CLOSE, spillDir, logger });
  await log.open();
  await log.record(sampleRecord(1));
  relay.freezeOn('COPY iso8583_transactions');
  const second = log.record(sampleRecord(2));
  second.catch(() => undefined);
  await relay.frozen;
  const third = log.record(sampleRecord(3));
  third.catch(() => undefined);
  return { url, log, lines, spillDir, records: Promise.allSettled([second, third]) };
}

/** The stans stored in `url`'s log, sorted. */
async function storedStans(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ stan: string }>('SELECT stan FROM iso8583_transactions ORDER BY stan')).rows.map((r) => r.stan);
  } finally {
    await c.end();
  }
}

test('close({ timeout }) with the database frozen under a batch stops waiting after the timeout, keeps the batch in doubt and the rest in spillDir; the next open stores each once', { timeout: 60_000 }, async (t) => {
  const s = await frozenUnderBatch(t, 'close_timeout');
  await s.log.close({ timeout: 50 });
  assert.deepEqual((await s.records).map((r) => r.status), ['fulfilled', 'fulfilled'], 'kept whole for the next start: not refused');
  assert.deepEqual([s.log.stats().kept, s.log.stats().dropped], [2, 0]);
  const kept = s.lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_KEPT');
  assert.deepEqual([kept?.['kept'], kept?.['inDoubt']], [2, 1], 'said with the counts: the batch in doubt and the record never sent');
  assert.equal(readdirSync(s.spillDir).filter((n) => n.startsWith('transaction-spill-')).length, 1);

  const again = new PgTransactionLog({ connectionString: s.url, spillDir: s.spillDir });
  await again.open();
  await again.close();
  assert.deepEqual(await storedStans(s.url), [sampleRecord(1).stan, sampleRecord(2).stan, sampleRecord(3).stan], 'each stored once');
});

test('a close under way (its closeTimeout long) is shortened by a later close({ timeout })', { timeout: 60_000 }, async (t) => {
  const s = await frozenUnderBatch(t, 'close_shortened');
  const first = s.log.close();
  const second = s.log.close({ timeout: 0 });
  assert.equal(first, second, 'one close');
  await first;
  assert.deepEqual([s.log.stats().kept, s.log.stats().dropped], [2, 0]);
});

test('close({ timeout }) refuses a timeout that is not a whole number of ms from 0, naming it', async () => {
  const log = new PgTransactionLog({ connectionString: cluster.createDatabase('close_timeout_bad') });
  for (const timeout of [-1, 1.5, Number.NaN]) {
    await assert.rejects(log.close({ timeout }), (e: Error & { code?: string; field?: string }) => e.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && e.field === 'timeout');
  }
  await log.close();
});
