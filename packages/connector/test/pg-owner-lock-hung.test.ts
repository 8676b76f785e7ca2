// A hung owner-lock connection (a network that drops every packet, both ways, and tells neither side): the node gives
// its session up once its pings pass their bound, but the server still runs that session, holding the lock, until its
// own keepalive ends it (hours by default). The next take ends that session first (`END_HUNG`): only that process, and
// only while it holds this owner's lock. Without it, every take found the lock held (by the node's own old session)
// and the node sent no SAF entry until the server ended it. A close that comes after the session was given up, before
// the lock is taken again, ends it too: left, the node started again under the same owner name was refused.
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import type { Logger } from 'pino';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { END_HUNG } from '../src/pg/owner-lock-sql.js';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';
import { capturedLogger } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A pino logger whose lines land in `lines`; `onLine` sees each one as it is written. */
function capture(onLine: (line: Record<string, unknown>) => void = () => undefined): { lines: Array<Record<string, unknown>>; logger: Logger } {
  return capturedLogger('warn', onLine);
}

/** When the server's process `pid` started, as `REGISTER` returns it (`started`: microseconds since the epoch). */
async function started(url: string, pid: number): Promise<string> {
  const rows = await sql<{ started: string }>(url, 'SELECT (extract(epoch FROM backend_start) * 1000000)::bigint AS started FROM pg_stat_activity WHERE pid = $1', [pid]);
  assert.equal(rows.length, 1, `process ${pid} runs`);
  return rows[0]!.started;
}

/** Whether the server still runs process `pid`. */
async function runs(url: string, pid: number): Promise<boolean> {
  return (await sql(url, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0;
}

test('a node whose owner-lock connection hung (the server session alive, holding the lock) ends that session and holds its lock again', async (t) => {
  const { lines, logger } = capture();
  // A lease of 3 s: renewals (and pings) every second, a ping's bound 1 s.
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_hung_retake', 3000, { logger });
  const first = await lockSession(url, 'live-node');
  const since = live.heldSince();
  assert.ok(first !== undefined && since !== undefined, 'the lock is held');
  relay.hangLockSession();
  await waitUntil(async () => {
    const now = await lockSession(url, 'live-node');
    return now !== undefined && now !== first && live.heldSince() !== undefined && live.heldSince() !== since;
  }, { what: 'the node to end its hung session and hold its lock again on a new one', timeoutMs: 15_000 });
  assert.ok(lines.some((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' && l.pingWait === 1000), 'the hung session given up is logged');
  await waitUntil(async () => !(await runs(url, first)), { what: 'the hung session to be ended by the server', timeoutMs: 5000 });
  await live.add(entry('h1')); // stored: the lock is held again
  assert.deepEqual(await sql(url, "SELECT lease_owner FROM iso8583_saf WHERE id = 'h1'"), [{ lease_owner: 'live-node' }]);
});

test('END_HUNG ends no session but the one named, and that one only while it holds that owner\'s lock', async (t) => {
  const url = cluster.createDatabase('owner_hung_only');
  const a = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 600_000, owner: 'node-b' });
  t.after(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
  });
  await a.open();
  await b.open();
  const pa = await lockSession(url, 'node-a');
  const pb = await lockSession(url, 'node-b');
  assert.ok(pa !== undefined && pb !== undefined, 'both locks are held');
  const [sa, sb] = [await started(url, pa), await started(url, pb)];
  // node-b's lock session named as node-a's: not node-a's lock, left alone.
  assert.deepEqual(await sql(url, END_HUNG, [pb, 'node-a', sb]), []);
  // A session holding no owner lock at all (this one's own): left alone.
  assert.deepEqual(await sql(url, END_HUNG.replace('$1', 'pg_backend_pid()').replace('$2', "'node-a'").replace('$3::bigint', '(SELECT (extract(epoch FROM backend_start) * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid())'), []), []);
  // An owner of no row: nothing.
  assert.deepEqual(await sql(url, END_HUNG, [pa, 'no-such-node', sa]), []);
  // node-a's own lock session, but named with another start (its number reused by a new process): left alone.
  assert.deepEqual(await sql(url, END_HUNG, [pa, 'node-a', String(BigInt(sa) - 1n)]), []);
  assert.equal(await runs(url, pa), true);
  assert.equal(await runs(url, pb), true);
  assert.equal(await lockSession(url, 'node-a'), pa);
  assert.equal(await lockSession(url, 'node-b'), pb);
});

test('close after a hung ping gave the lock up ends the session still holding it: the same owner starts again at once', async (t) => {
  const node: { live?: PgJournal } = {};
  let closing: Promise<void> | undefined;
  // The close comes as the hung session is given up (logged at once), before any renewal takes the lock again.
  const { lines, logger } = capture((line) => {
    if (line.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' && line.pingWait !== undefined) closing ??= node.live?.close();
  });
  const started = await liveBehindRelay(t, cluster, 'owner_hung_close', 3000, { logger });
  node.live = started.live;
  const { url, relay } = started;
  const first = await lockSession(url, 'live-node');
  assert.ok(first !== undefined, 'the lock is held');
  relay.hangLockSession();
  await waitUntil(() => closing !== undefined, { what: 'the hung session to be given up (and the close to begin)', timeoutMs: 15_000 });
  await closing;
  assert.equal(lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST').length, 1);
  // Ended by the close (pg_terminate_backend returns before the process has gone): within moments, not the server's
  // keepalive (hours); no session holds the closed node's lock then.
  await waitUntil(async () => !(await runs(url, first)), { what: 'the close to end the hung session', timeoutMs: 5000 });
  assert.equal(await lockSession(url, 'live-node'), undefined, 'no session holds the closed node\'s lock');
  // The node started again under the same owner name: its lock is free, not "another journal of the same owner".
  const again = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  t.after(() => again.destroy());
  await again.open();
  assert.notEqual(await lockSession(url, 'live-node'), undefined);
});
