// A `done` of `not-needed` (the original answered) ends only an entry its node still holds (saf-sql.ts DONE, rv66g's
// crash window): a node killed while its `done` waited for a row lock had that statement run on in its session and
// commit once the lock came free, ending an entry another node could claim at once (its owner gone) or by lease, and
// reverse: the terminal got no answer, and the approval stood with no reversal from the gateway. Now the statement
// tests, once it holds its rows, that its node's owner lock is held and the entry's lease not over: refused, the entry
// stays pending and another node takes it over. Real sessions: a second one holds the entry's row until the node's
// lock's session ended (or its lease), then lets it go.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type pg from 'pg';
import { PgJournal } from '../src/index.js';
import { SAF_ROWS, holding, lockWaited } from './helpers/pg-lock-order.js';
import { entry, liveBehindRelay, lockEndedUnseen, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Node `owner` straight on `url` (a lease of 10 minutes), open; destroyed after the test. */
async function otherNode(t: TestContext, url: string, owner: string, options: { ownerLock?: boolean } = {}): Promise<PgJournal> {
  const node = new PgJournal({ url, lease: 600_000, owner, ...options });
  t.after(() => node.destroy());
  await node.open();
  return node;
}

/**
 * Starts `live`'s `done` of entry `id` (`not-needed`) while a second session holds its row, waits until it waits for
 * that row, runs `meanwhile` (with the second session), then lets the row go; resolves with the `done` (under way).
 */
async function doneWhileRowHeld(t: TestContext, url: string, live: PgJournal, id: string, meanwhile: (other: pg.Client) => Promise<void>): Promise<{ done: Promise<void> }> {
  const other = await holding(t, url, SAF_ROWS, id);
  const done = live.done(id, 'not-needed');
  done.catch(() => undefined);
  await waitUntil(() => lockWaited(url), { what: 'the done to wait for the entry\'s row', timeoutMs: 20_000 });
  await meanwhile(other);
  await other.query('COMMIT');
  return { done };
}

/** The row of entry `id`: whether it is done, and its outcome. */
async function rowOf(url: string, id: string): Promise<{ done: boolean; outcome: string | null } | undefined> {
  return (await sql<{ done: boolean; outcome: string | null }>(url, 'SELECT done_at IS NOT NULL AS done, outcome FROM iso8583_saf WHERE id = $1', [id]))[0];
}

test('a node whose lock\'s session ended while its not-needed waited for the row: the done ends nothing, and another node takes the entry over at once', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'done_owner_gone');
  const b = await otherNode(t, url, 'node-b');
  await live.add(entry('gone000001'));
  const { done } = await doneWhileRowHeld(t, url, live, 'gone000001', async () => {
    // The node dies: its lock's session ends (hidden from it, as from a process killed), its done runs on.
    relay.holdLockSession();
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
    await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
    // Dead, it cannot take its lock again when its done is refused (a live node does, and ends the entry: below).
    relay.refuseNew(true);
  });
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await rowOf(url, 'gone000001'), { done: false, outcome: null }, 'the entry stays pending: its reversal is owed');
  // A live node takes its lock again on that refusal (below); this one is dead: its retake never reaches the server.
  relay.away(true);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'no session to hold the node\'s lock' });
  assert.deepEqual((await b.claim()).map((e) => e.id), ['gone000001'], 'node-b takes it over at once (its owner is gone) and reverses it');
});

test('a node killed while its not-needed waited for the row, restarted under the same name and holding its lock again first: that late not-needed ends nothing', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'done_owner_restarted');
  await live.add(entry('back000001'));
  const { done } = await doneWhileRowHeld(t, url, live, 'back000001', async () => {
    // The node dies (its lock's session ended, hidden from it; no new connection), its done runs on in its session.
    relay.holdLockSession();
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
    await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
    relay.refuseNew(true);
    // Started again under the same fixed name, it takes the same lock (its row's key) before the old done runs.
    await otherNode(t, url, 'live-node');
    assert.ok((await lockSession(url, 'live-node')) !== undefined, 'the restarted node holds the lock');
  });
  // Before sr67p #2 the lock was held (by the new process), the lease this name's: the dead process's not-needed
  // committed, and the reversal owed for a POS that got no answer was sent by no node.
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await rowOf(url, 'back000001'), { done: false, outcome: null }, 'the entry stays pending: its reversal is owed');
});

test('without the owner lock: a not-needed that waited for the row past the entry\'s lease ends nothing, and another node claims the entry by lease', async (t) => {
  const url = cluster.createDatabase('done_lease_over');
  const a = await otherNode(t, url, 'node-a', { ownerLock: false });
  const b = await otherNode(t, url, 'node-b', { ownerLock: false });
  await a.add(entry('lease00001'));
  const { done } = await doneWhileRowHeld(t, url, a, 'lease00001', async (other) => {
    // Its lease ends while the done waits (a node killed: no renewal), as the database's clock says.
    await other.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second' WHERE id = $1", ['lease00001']);
  });
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await rowOf(url, 'lease00001'), { done: false, outcome: null }, 'the entry stays pending: its reversal is owed');
  assert.deepEqual((await b.claim()).map((e) => e.id), ['lease00001'], 'node-b claims it by lease and reverses it');
});

test('a node that holds its lock and its lease: its not-needed that waited for the row ends the entry, which no node claims', async (t) => {
  const { url, live } = await liveBehindRelay(t, cluster, 'done_owner_here');
  const b = await otherNode(t, url, 'node-b');
  await live.add(entry('here000001'));
  await (await doneWhileRowHeld(t, url, live, 'here000001', () => Promise.resolve())).done;
  assert.deepEqual(await rowOf(url, 'here000001'), { done: true, outcome: 'not-needed' });
  assert.deepEqual(await b.claim(), []);
});

test('a not-needed refused for want of the owner lock (its session ended unseen) takes the lock again at once and, the node alive, ends its entry', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'done_refused_retakes', 'take000001', ['take000002']);
  // No add, attempt or renewal meanwhile (a lease of 10 minutes): only the refused done can have told the lock; taken
  // again, the done is run once more and commits (no other node claimed the entry: its lease owner is still this one).
  await live.done('take000001', 'not-needed');
  assert.ok(typeof live.heldSince() === 'number' && (await lockSession(url, 'live-node')) !== undefined, 'the lock taken again');
  assert.deepEqual(await rowOf(url, 'take000001'), { done: true, outcome: 'not-needed' });
  await live.done('take000002', 'not-needed');
  assert.deepEqual(await rowOf(url, 'take000002'), { done: true, outcome: 'not-needed' });
});

test('without the owner lock, a stale owner row of the same name (an earlier run with the lock, gone): the not-needed commits', async (t) => {
  const url = cluster.createDatabase('done_stale_owner_row');
  await otherNode(t, url, 'node-b'); // with its lock: the server's token made, so a row of this server can be judged gone
  const a = await otherNode(t, url, 'node-a', { ownerLock: false });
  await a.add(entry('stale00001'));
  // The row an earlier run of node-a with the lock left (killed): registered here, its lock held by no session.
  await sql(url, `INSERT INTO iso8583_saf_owner (owner, server_started, server_token)
    SELECT 'node-a', server_started, server_token FROM iso8583_saf_owner WHERE owner = 'node-b'`);
  await a.done('stale00001', 'not-needed');
  assert.deepEqual(await rowOf(url, 'stale00001'), { done: true, outcome: 'not-needed' });
});
