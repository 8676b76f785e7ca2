// An owner's lock taken back while another node's claim, which found that owner gone, is under way: the owner waits for
// that claim to end, then records no attempt of what it took over. Without the wait, an attempt the owner commits
// between the claim's test of its lock and the claim's taking of the entry (one statement: no gate holds it between
// the two) is sent by the owner while the claiming node sends the entry too, as a repeat.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { OWNER_LOCK_NAMESPACE, PgJournal } from '../src/index.js';
import { entry, lockSession, sql } from './helpers/pg-owner-lock.js';
import { lockRelay } from './helpers/pg-lock-relay.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Text the claim of the entries of owners gone holds, and no other statement. */
const CLAIM_GONE_TEXT = 'lease_owner = ANY (ARRAY(SELECT owner FROM gone))';

/** Server processes waiting for a lock (a row's) in a statement that takes an owner lock (`REGISTER`). */
async function registersWaiting(url: string): Promise<number> {
  const rows = await sql(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_try_advisory_lock%'");
  return rows.length;
}

test('a node that takes its lock back while another node\'s claim that found it gone is under way waits for that claim, and then records no attempt of the entries it took', async (t) => {
  const url = cluster.createDatabase('owner_retake_during_claim');
  const live = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  t.after(() => live.close());
  await live.open();
  await live.add(entry('w1'));
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(() => live.heldSince() === undefined, { what: 'the node to see its lock\'s session end' });

  // The other node's first claim finds live-node gone and takes w1; its transaction is held open (its Sync kept back).
  const relay = await lockRelay(url);
  const other = new PgJournal({ url: relay.url, lease: 600_000, owner: 'other-node' });
  t.after(async () => {
    await other.close();
    await relay.close();
  });
  const claim = relay.holdStatement(CLAIM_GONE_TEXT, { runUncommitted: true });
  const opening = other.open();
  await claim.held;
  // `held`: the statement reached the server's socket; it has run once its session waits for the next message (the
  // Sync kept back) with it as its last statement (on a busy machine the owner's add below could otherwise take its
  // lock before the claim ran at all).
  const claimRan = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'ClientRead' AND query LIKE '%' || $1 || '%'";
  await waitUntil(async () => (await sql(url, claimRan, [CLAIM_GONE_TEXT])).length === 1, { what: 'the claim to have run, its transaction held open' });

  // live-node takes its lock back (its next add): it waits for the claim, or it does not.
  let added = false;
  const adding = live.add(entry('w2')).finally(() => (added = true));
  await waitUntil(async () => added || (await registersWaiting(url)) === 1, { what: 'the add to end, or its lock\'s statement to wait' });
  assert.equal(added, false, 'the owner does not take its lock back while a claim that found it gone is under way');
  claim.release();
  assert.deepEqual((await opening).map((e) => e.id), ['w1'], 'the claim took w1');
  await adding;
  assert.equal(typeof live.heldSince(), 'number', 'the lock is held again, once the claim ended');
  await assert.rejects(live.attempt('w1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' }, 'the entry taken over is not sent by its former owner');
  await other.attempt('w1', 1);
  assert.deepEqual(await sql(url, 'SELECT id, lease_owner, attempts FROM iso8583_saf ORDER BY id'), [
    { id: 'w1', lease_owner: 'other-node', attempts: 1 },
    { id: 'w2', lease_owner: 'live-node', attempts: 0 },
  ]);
});

test('a claim that reaches the row of an owner taking its lock back (its row changed, not committed yet) waits for it, and then sees the lock held: it takes nothing', async (t) => {
  const url = cluster.createDatabase('owner_claim_during_retake');
  const live = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  t.after(() => live.close());
  await live.open();
  await live.add(entry('v1'));
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(() => live.heldSince() === undefined, { what: 'the node to see its lock\'s session end' });

  // live-node's REGISTER, in its two steps: its row changed (uncommitted), then its lock taken, then the commit.
  const owner = new pg.Client(url);
  await owner.connect();
  t.after(() => owner.end());
  await owner.query('BEGIN');
  const [row] = (await owner.query<{ key: number }>("UPDATE iso8583_saf_owner SET locked_at = now() WHERE owner = 'live-node' RETURNING key")).rows;
  assert.ok(row !== undefined);
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  const opening = other.open();
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM gone%'")).length === 1, { what: 'the claim to wait for the owner\'s row' });
  await owner.query('SELECT pg_try_advisory_lock($1, $2)', [OWNER_LOCK_NAMESPACE, row.key]);
  await owner.query('COMMIT');
  assert.deepEqual(await opening, [], 'the owner holds its lock again: nothing of it is claimed');
  assert.deepEqual(await sql(url, 'SELECT id, lease_owner FROM iso8583_saf'), [{ id: 'v1', lease_owner: 'live-node' }]);
});
