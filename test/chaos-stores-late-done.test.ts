/**
 * The chaos run's read of the PostgreSQL store after a kill (test/helpers/chaos-stores.ts, `pgStore().words()`) sees
 * the end of the `done` the killed node had already sent: that statement runs on in the node's server session after
 * the process has exited. Since session 67 (fix67c) such a late `not-needed` no longer commits once the node's owner
 * lock session has ended (it ends with the process): the entry stays owed, for another node or the restart to reverse
 * (the terminal never got the approval). Read too early, the store said `open`, so the auditor did not count the purchase among
 * those whose outcome was durable before the kill and reported a healthy run as money left unreversed (seen once:
 * ISO8583_CHAOS_SEED=2026 ISO8583_CHAOS_KILLS=30). The order is forced: the bank receives the purchase, a session of
 * the test locks its SAF row (FOR UPDATE), the bank approves, the gateway's `done` waits on the lock; the gateway is
 * SIGKILLed; the read starts; the lock is released only once the read is seen waiting (its session asked
 * pg_stat_activity) or the read has ended. The real `iso8583 gateway`, a real PostgreSQL server, a real bank on TCP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';
import { AUDITOR_SESSION, chaosSessionName, pgStore } from './helpers/chaos-stores.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
const work = mkdtempSync(join(tmpdir(), 'iso8583-chaos-stores-late-done-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** The first row of `sql` on `client`, its `n`. */
async function count(client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  return (await client.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;
}

test('the store read after a kill waits for the done the killed node had sent, refused after its exit (its owner lock gone): owed', async () => {
  const url = cluster.createDatabase('chaos_late_done');
  const store = pgStore(url, work);
  const locker = new pg.Client({ connectionString: url });
  const watch = new pg.Client({ connectionString: url });
  const bank = await startBank(() => undefined);
  try {
    await locker.connect();
    await watch.connect();
    let lockedBy: (rows: Promise<number>) => void = () => undefined;
    const locked = new Promise<number>((resolve) => {
      lockedBy = resolve;
    });
    bank.onRequest((request, write) => {
      if (String(request['0']) !== '0200') return write(approve(request));
      // The purchase's reversal is committed before the purchase is sent: its row is there to lock.
      lockedBy((async () => {
        await locker.query('BEGIN');
        const rows = await locker.query(`SELECT id FROM iso8583_saf WHERE entry->'reversal'->>'11' = $1 FOR UPDATE`, [String(request['11'])]);
        write(approve(request));
        return rows.rowCount ?? 0;
      })());
    });
    const gateway = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, ...store.flags('a'),
      '--request-timeout', '5000', '--saf-retry-interval', '250', '--log-level', 'info']);
    const pos = await PosClient.open(gateway.pos.host, gateway.pos.port);
    const answer = pos.request(purchase('TERM0001', 1, 101), 30_000).then(() => 'answered', (err: unknown) => (err as Error).message);
    assert.equal(await within(locked, 30_000, 'the bank to receive the purchase and its row to be locked'), 1, 'the purchase\'s SAF row is locked');
    // The gateway's `done` of the approved purchase now waits on the lock (a state of the server, polled).
    await waitUntil(async () => (await count(watch, `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH d AS (SELECT * FROM unnest(%'`)) > 0,
    { what: 'the gateway\'s done to wait on the locked row' });
    gateway.process.kill('SIGKILL');
    await exitWithin(gateway.process, 30_000, 'the killed gateway');
    assert.match(await answer, /^connection (closed|error)/, 'the terminal got no answer');
    const read = store.words();
    let readEnded = false;
    void read.then(() => {
      readEnded = true;
    }, () => undefined);
    // The read has ended, or is seen waiting (its session asked pg_stat_activity): only then does the done commit.
    await waitUntil(async () => readEnded || (await count(watch, `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1 AND query LIKE '%pg_stat_activity%'`, [AUDITOR_SESSION])) > 0,
    { what: 'the store read to end or to wait' });
    // The killed node's idle sessions (its owner lock's among them) ended at its exit; only the done's is left.
    await waitUntil(async () => (await count(watch, `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1`, [chaosSessionName('a')])) === 1,
    { what: 'the killed node\'s sessions but the done\'s to end' });
    await locker.query('COMMIT');
    const words = await read;
    assert.deepEqual([...words], [['TERM0001/000001/1121103000', 'open']], 'the read sees the done the killed node had sent refused: the entry owed');
  } finally {
    await locker.end().catch(() => undefined);
    await watch.end().catch(() => undefined);
    await bank.close();
    await store.end();
  }
});
