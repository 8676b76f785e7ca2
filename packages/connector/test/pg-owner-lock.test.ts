// The owner lock of the PostgreSQL SAF queue: a node's entries are claimed at once once its process is gone (the
// server released its lock with its session), never while it runs, not after a server restart (every session ended,
// live nodes' too), and not at all with `ownerLock: false`. A node whose lock's session ended sends none of its
// entries until it holds the lock again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { startChild } from './child.js';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector } from './helpers/setup.js';
import { claimAll, entry, lockEndedUnseen, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('a node killed by SIGKILL: a fresh node claims its entries while their lease still runs, the attempted one as a repeat; before the kill it claims none', async (t) => {
  const url = cluster.createDatabase('owner_killed');
  const child = startChild('pg-owner-child', { url, owner: 'killed-node', lease: 600_000, ids: ['k1', 'k2'], attempted: ['k1'] });
  t.after(() => child.kill());
  await child.waitLine('ready');
  const fresh = new PgJournal({ url, lease: 600_000, owner: 'fresh-node' });
  t.after(() => fresh.close());
  assert.deepEqual(await fresh.open(), [], 'the node runs: its entries are its own');
  assert.deepEqual(await fresh.claim(), []);

  await child.kill();
  const got = await claimAll(fresh, 2, 'the killed node\'s entries to be claimed');
  assert.deepEqual(got.map((e) => [e.id, e.attempts]), [['k1', 1], ['k2', undefined]], 'both, the attempted one resuming after its attempt');
  const rows = await sql<{ id: string; lease_owner: string; old_lease_ran: boolean }>(
    url,
    // A claim renews the lease from the claim's now(): the killed node's lease (10 minutes from its add) still ran then.
    `SELECT id, lease_owner, lease_until - $1 * interval '1 millisecond' < created_at + interval '10 minutes' AS old_lease_ran FROM iso8583_saf ORDER BY id`,
    [600_000],
  );
  assert.deepEqual(rows, [
    { id: 'k1', lease_owner: 'fresh-node', old_lease_ran: true },
    { id: 'k2', lease_owner: 'fresh-node', old_lease_ran: true },
  ]);
  assert.deepEqual(await sql(url, 'SELECT owner FROM iso8583_saf_owner ORDER BY owner'), [{ owner: 'fresh-node' }, { owner: 'killed-node' }]);
});

test('a node whose lock\'s session ends while it runs: another node claims its entries meanwhile; the node takes its lock back at its next add or attempt, and sends none of what was claimed', async (t) => {
  const url = cluster.createDatabase('owner_session_lost');
  const live = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => Promise.all([live.close(), other.close()]));
  await live.open();
  await Promise.all([live.add(entry('s1')), live.add(entry('s2'))]);
  assert.deepEqual(await other.open(), [], 'a live node\'s entries are never claimed, even by a node that starts beside it');
  assert.deepEqual(await other.claim(), []);
  assert.equal(typeof live.heldSince(), 'number');

  const pid = await lockSession(url, 'live-node');
  assert.ok(pid !== undefined, 'the live node holds its lock');
  await sql(url, 'SELECT pg_terminate_backend($1)', [pid]);
  await waitUntil(() => live.heldSince() === undefined, { what: 'the live node to see its lock\'s session end' });
  assert.deepEqual((await claimAll(other, 2, 'the entries of the node without its lock to be claimed')).map((e) => e.id), ['s1', 's2']);
  // Its next attempt takes its lock back, and is refused: the entry is another node's now.
  await assert.rejects(live.attempt('s1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.equal(typeof live.heldSince(), 'number', 'its lock is held again');
  assert.ok((await lockSession(url, 'live-node')) !== undefined);
  await live.add(entry('s3'));
  assert.deepEqual(await other.claim(), [], 'the node runs again: its new entry is its own');
  await other.attempt('s1', 1);
  assert.deepEqual(await sql(url, 'SELECT id, lease_owner, attempts FROM iso8583_saf ORDER BY id'), [
    { id: 's1', lease_owner: 'other-node', attempts: 1 },
    { id: 's2', lease_owner: 'other-node', attempts: 0 },
    { id: 's3', lease_owner: 'live-node', attempts: 0 },
  ]);
});

test('two journals of the same owner name: the second is refused at open (ISO8583_ERR_CONNECTOR_OPTIONS, owner)', async (t) => {
  const url = cluster.createDatabase('owner_twice');
  const first = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  t.after(() => first.close());
  await first.open();
  await assert.rejects(new PgJournal({ url, lease: 600_000, owner: 'node-a' }).open(), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'owner' });
  await first.close();
  const again = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  await again.open();
  await again.close();
  assert.deepEqual(await sql(url, 'SELECT owner FROM iso8583_saf_owner'), [], 'a journal closed forgets its owner');
});

test('ownerLock: false: no owner lock is taken, and the entries of a node gone wait for their lease', async (t) => {
  const url = cluster.createDatabase('owner_off');
  const pool = new pg.Pool({ connectionString: url });
  const gone = new PgJournal({ pool, lease: 600_000, owner: 'gone-node', ownerLock: false });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => Promise.all([gone.close(), other.close()]));
  await gone.open();
  await gone.add(entry('o1'));
  assert.deepEqual(await sql(url, 'SELECT owner FROM iso8583_saf_owner'), []);
  await pool.end(); // every session of the node ended
  assert.deepEqual(await other.open(), [], 'its lease runs: not claimed');
  assert.deepEqual(await other.claim(), []);
  assert.throws(() => new PgJournal({ url, ownerLock: 'no' as unknown as boolean }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'ownerLock' });
});

test('after a server restart (every session ended, live nodes\' too) no entry is claimed before its lease ends', async (t) => {
  // The file's own cluster, restarted: the tests before this one closed what they opened on it (their `t.after`).
  const own = cluster;
  const url = own.createDatabase('owner_restart');
  const a = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 600_000, owner: 'node-b' });
  t.after(() => Promise.all([a.destroy(), b.destroy()]));
  await Promise.all([a.open(), b.open()]);
  await a.add(entry('r1'));
  own.stopServer();
  own.startServer();
  await waitUntil(() => a.heldSince() === undefined && b.heldSince() === undefined, { what: 'both nodes to see their lock\'s session end' });
  // A node that starts now holds its lock (so it claims the entries of owners gone): node-a's lock went with the
  // restart, not with its process, which may be running.
  const c = new PgJournal({ url, lease: 600_000, owner: 'node-c' });
  t.after(() => c.close());
  assert.deepEqual(await c.open(), [], 'node-a\'s entry waits for its lease');
  assert.equal(typeof c.heldSince(), 'number');
  assert.deepEqual(await c.claim(), []);
});

test('an attempt commits only while its node holds its lock, also before the node sees its lock\'s session end', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_unseen_end', 'u1');
  assert.equal(typeof live.heldSince(), 'number', 'the node has not seen its session end');
  await assert.rejects(live.attempt('u1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await sql(url, "SELECT lease_owner, attempts FROM iso8583_saf WHERE id = 'u1'"), [{ lease_owner: 'live-node', attempts: 0 }]);
});

test('an entry whose attempt was refused for want of the lock is claimed again (taken over: a repeat) once the node holds its lock again, while its old lease still runs', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_let_go', 'g1');
  const [before] = await sql<{ lease_until: Date }>(url, "SELECT lease_until FROM iso8583_saf WHERE id = 'g1'");
  assert.ok(before !== undefined);
  await assert.rejects(live.attempt('g1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  // The refusal is the news: the node takes its lock again at once (pg-owner-lock-refused.test.ts).
  await waitUntil(async () => (await lockSession(url, 'live-node')) !== undefined, { what: 'the node to take its lock again' });
  await live.add(entry('g2'));
  assert.ok((await lockSession(url, 'live-node')) !== undefined, 'the node holds its lock again');
  const got = await claimAll(live, 1, 'the entry let go to be claimed again');
  assert.deepEqual(got.map((e) => [e.id, e.attempts]), [['g1', undefined]], 'the entry let go, its refused attempt not counted');
  await live.attempt('g1', 1);
  // The claim came before the old lease ended: the claim's now() (the new lease less 10 minutes) is before it.
  assert.deepEqual(
    await sql(url, `SELECT id, lease_owner, attempts, lease_until - $1 * interval '1 millisecond' < $2 AS old_lease_ran FROM iso8583_saf ORDER BY id`, [600_000, before.lease_until]),
    [
      { id: 'g1', lease_owner: 'live-node', attempts: 1, old_lease_ran: true },
      { id: 'g2', lease_owner: 'live-node', attempts: 0, old_lease_ran: true },
    ],
  );
});

test('a node whose lock\'s session ended takes its lock again at its next renewal, and uses its entries again', async (t) => {
  const url = cluster.createDatabase('owner_relock');
  const node = new PgJournal({ url, lease: 1500, owner: 'node-a' });
  t.after(() => node.close());
  await node.open();
  await node.add(entry('l1'));
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
  await waitUntil(() => node.heldSince() === undefined, { what: 'the node to see its lock\'s session end' });
  await waitUntil(() => node.heldSince() !== undefined, { what: 'the node to take its lock again' });
  assert.ok((await lockSession(url, 'node-a')) !== undefined);
  await node.attempt('l1', 1);
  await node.add(entry('l2'));
  assert.deepEqual(await sql(url, 'SELECT id, attempts FROM iso8583_saf ORDER BY id'), [{ id: 'l1', attempts: 1 }, { id: 'l2', attempts: 0 }]);
});

test('a running connector sends the reversals of a node killed by SIGKILL (as repeats) while that node\'s lease still runs, without waiting a third of its own', async (t) => {
  const url = cluster.createDatabase('owner_connector');
  // A lease of 10 minutes: the survivor's claims by lease come every 200 s; those of a node gone every second.
  const journal = new PgJournal({ url, lease: 600_000, owner: 'survivor' });
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal, retryInterval: 100 },
    transactionLog: false,
  });
  await connector.connect();
  const child = startChild('pg-owner-child', { url, owner: 'killed-node', lease: 600_000, ids: ['000101', '000102'], attempted: ['000101'] });
  t.after(() => child.kill());
  await child.waitLine('ready');
  await child.kill();
  const reversals = (): string[] => peer.received.filter((r) => /^040/.test(String(r.message['0']))).map((r) => `${r.message['0']}/${r.message['11']}`).sort();
  await waitUntil(() => reversals().length === 2, { what: 'the killed node\'s two reversals to reach the host' });
  assert.deepEqual(reversals(), ['0401/000101', '0401/000102'], 'each once, as a repeat');
  const check = new pg.Client(url);
  await check.connect();
  t.after(() => check.end());
  // Taken over (lease_owner survivor) and ended before the killed node's lease of 10 minutes from its add ended.
  const rows = await waitUntil(async () => {
    const r = await check.query<{ id: string; outcome: string | null; lease_owner: string; lease_ran: boolean }>(
      `SELECT id, outcome, lease_owner, now() < created_at + interval '10 minutes' AS lease_ran FROM iso8583_saf ORDER BY id`,
    );
    return r.rows.every((row) => row.outcome !== null) ? r.rows : undefined;
  }, { what: 'both entries to be marked done' });
  assert.deepEqual(rows, [
    { id: '000101', outcome: 'reversed', lease_owner: 'survivor', lease_ran: true },
    { id: '000102', outcome: 'reversed', lease_owner: 'survivor', lease_ran: true },
  ]);
});

test('the row of an owner gone is deleted once it holds no pending entry; a live owner\'s stays', async (t) => {
  const url = cluster.createDatabase('owner_purge');
  const live = new PgJournal({ url, lease: 900, owner: 'live-node' });
  t.after(() => live.close());
  await live.open();
  const child = startChild('pg-owner-child', { url, owner: 'killed-node', lease: 600_000, ids: ['p1'], attempted: [] });
  t.after(() => child.kill());
  await child.waitLine('ready');
  await child.kill();
  assert.deepEqual((await claimAll(live, 1, 'the killed node\'s entry to be claimed')).map((e) => e.id), ['p1']);
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf_owner WHERE owner = 'killed-node'")).length === 0, { what: 'the killed node\'s owner row to be deleted' });
  assert.deepEqual(await sql(url, 'SELECT owner FROM iso8583_saf_owner'), [{ owner: 'live-node' }]);
});

test('claims every second while the database is away log one line for the outage, not one a claim', async (t) => {
  // The file's own cluster, stopped (the file's last test) and started again for the file's `after`.
  const own = cluster;
  let stopped = false;
  t.after(() => {
    if (stopped) own.startServer();
  });
  const journal = new PgJournal({ url: own.createDatabase('owner_claim_outage'), lease: 3000, owner: 'node-a' });
  let failed = 0;
  const claim = journal.claim.bind(journal);
  journal.claim = () => claim().catch((err: unknown) => {
    failed++;
    throw err;
  });
  const { logger, lines } = capturedLogger('warn');
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal },
    transactionLog: false,
    logger,
  });
  await connector.connect();
  own.stopServer();
  stopped = true;
  await waitUntil(() => failed >= 3, { what: 'three claims to fail while the database is away' });
  assert.equal(lines.filter((l) => l['msg'] === 'cannot claim entries from the store: will try again').length, 1);
});
