// A `not-needed` refused because this node's owner lock session ended (unseen) takes the lock back and runs once more
// (journal-batches.ts `markDone`). That retry must neither lose nor double a transaction: one whose statement fails
// with its fate unknown (it may have committed) is a failed done, the entry reopened by its caller, never a refusal;
// one run after another node claimed the entry in the gap (the owner seen gone) ends nothing, that node's send the
// only one; and one refused again (the lock lost once more) tells the lock as the first refusal does. Real sessions
// through a relay that orders the statements (no timing).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { HeldStatement, LockRelay } from './helpers/pg-lock-relay.js';
import { entry, liveBehindRelay, lockEndedUnseen, lockSession, renewNow, sql } from './helpers/pg-owner-lock.js';

/** Text of the `DONE` statement alone (saf-sql.ts). */
const DONE_STATEMENT = 'SET done_at = now(), outcome = d.outcome';
/** Text of the owner lock's `REGISTER` alone (owner-lock-sql.ts): the lock taken again. */
const REGISTER_STATEMENT = 'INSERT INTO iso8583_saf_owner AS o';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The row of entry `id`: whether it is done, its outcome and its lease owner. */
async function rowOf(url: string, id: string): Promise<{ done: boolean; outcome: string | null; owner: string } | undefined> {
  return (await sql<{ done: boolean; outcome: string | null; owner: string }>(url,
    'SELECT done_at IS NOT NULL AS done, outcome, lease_owner AS owner FROM iso8583_saf WHERE id = $1', [id]))[0];
}

/**
 * Starts `live`'s `not-needed` of entry `id`, its first `DONE` held at the relay until a gate is set on the next
 * statement holding `next` (by default its retry, the next `DONE`), then let go (refused: the lock's session ended);
 * resolves with the done (under way) and that gate.
 */
async function refusedDone(relay: LockRelay, live: PgJournal, id: string, next = DONE_STATEMENT): Promise<{ done: Promise<void>; gate: HeldStatement }> {
  const first = relay.holdStatement(DONE_STATEMENT);
  const done = live.done(id, 'not-needed');
  done.catch(() => undefined);
  await first.held;
  const gate = relay.holdStatement(next);
  first.release();
  return { done, gate };
}

test('a retried not-needed whose statement fails with its fate unknown (committed, reply lost) is a failed done: reopened, its entry still owed, no other node sends it', async (t) => {
  const { url, relay, live } = await lockEndedUnseen(t, cluster, 'done_retry_unseen', 'unseen0001');
  const { done, gate: retry } = await refusedDone(relay, live, 'unseen0001');
  await retry.held; // the lock taken again, the retry sent
  retry.commitThenCut(); // committed on the server, its reply lost with its connection
  // A failure of the store (its fate unknown), never LEASE_LOST: that would tell the caller the entry is another
  // node's, and the reversal owed for a POS that may have had no answer would be sent by no node.
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  assert.deepEqual(await rowOf(url, 'unseen0001'), { done: true, outcome: 'not-needed', owner: 'live-node' }, 'the lost commit left it done');
  // The caller reverses it: the entry is reopened (the node knows its done may have committed).
  assert.equal(await live.reopen('unseen0001', performance.now() + 20_000), true);
  assert.deepEqual(await rowOf(url, 'unseen0001'), { done: false, outcome: null, owner: 'live-node' }, 'owed again, still this node\'s');
  // Another node started now (it claims at its open) takes nothing of it: one send only, this node's.
  const b = new PgJournal({ url, lease: 600_000, owner: 'node-b' });
  t.after(() => b.destroy());
  assert.deepEqual(await b.open(), []);
  assert.deepEqual(await b.claim(), []);
});

test('another node claims the entry before the refused not-needed takes the lock back: the retry ends nothing, that node\'s send is the only one', async (t) => {
  const { url, relay, live } = await lockEndedUnseen(t, cluster, 'done_retry_claimed', 'claim00001');
  const b = new PgJournal({ url, lease: 600_000, owner: 'node-b' });
  t.after(() => b.destroy());
  const { done, gate: register } = await refusedDone(relay, live, 'claim00001', REGISTER_STATEMENT);
  await register.held; // refused: the lock being taken again, its REGISTER kept from the server
  // In that gap the node is gone to the others: node-b takes its entry over at once, and will send its reversal.
  // (Started now: its open claims what is claimable.)
  assert.deepEqual((await b.open()).map((e) => e.id), ['claim00001']);
  const retry = relay.holdStatement(DONE_STATEMENT);
  register.release();
  await retry.held; // the lock taken back: the not-needed run once more
  retry.release();
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await rowOf(url, 'claim00001'), { done: false, outcome: null, owner: 'node-b' }, 'pending, node-b\'s: its reversal owed once');
  await b.attempt('claim00001', 1);
  await assert.rejects(live.attempt('claim00001', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' }, 'the live node sends nothing of it');
});

test('a retried not-needed refused again (the lock lost once more since it was taken back) tells the lock, which is taken back at once', async (t) => {
  const { url, relay, live } = await lockEndedUnseen(t, cluster, 'done_retry_refused', 'again00001');
  const { done, gate: retry } = await refusedDone(relay, live, 'again00001');
  await retry.held; // the lock taken again, the retry sent
  // That new session ends too, before the retry reaches the server: the retry is refused (a row of NULLs).
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(() => live.heldSince() === undefined, { what: 'the node to see its lock\'s new session end' });
  retry.release();
  await assert.rejects(done, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.deepEqual(await rowOf(url, 'again00001'), { done: false, outcome: null, owner: 'live-node' }, 'pending: its reversal owed');
  // No add, attempt or renewal (a lease of 10 minutes): only the refused retry can have the lock taken back now.
  await waitUntil(async () => (await lockSession(url, 'live-node')) !== undefined, { what: 'the lock taken back after the refused retry', timeoutMs: 10_000 });
});

test('a not-needed sent under the lock\'s session P1 that reaches the server after the node took its lock back on a new session P2: refused once, run again under P2, it commits', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'done_retry_retaken');
  await live.add(entry('retake0001'));
  const first = await lockSession(url, 'live-node');
  const dones = relay.countStatements(DONE_STATEMENT);
  const gate = relay.holdStatement(DONE_STATEMENT);
  const done = live.done('retake0001', 'not-needed');
  done.catch(() => undefined);
  await gate.held; // sent, naming P1
  // P1 ends (seen by the node), and the node takes its lock back on a new session P2 (a renewal, as its timer runs).
  await sql(url, 'SELECT pg_terminate_backend($1)', [first]);
  await waitUntil(async () => live.heldSince() === undefined && (await lockSession(url, 'live-node')) === undefined, { what: 'P1 ended, seen by the node' });
  await renewNow(live);
  const second = await lockSession(url, 'live-node');
  assert.ok(second !== undefined && second !== first && live.heldSince() !== undefined, 'the lock held again, by P2');
  gate.release();
  await done; // refused (P1 named, P2 holds it), run again under P2: committed
  assert.equal(dones(), 2, 'refused once, run once more');
  assert.deepEqual(await rowOf(url, 'retake0001'), { done: true, outcome: 'not-needed', owner: 'live-node' });
  assert.equal(await lockSession(url, 'live-node'), second, 'P2 kept (a refusal of the hold before it changes nothing)');
});
