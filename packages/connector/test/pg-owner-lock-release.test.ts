// The entries a node let go for want of its owner lock (an attempt refused while the lock's session was ended): their
// leases are ended once the node holds its lock again, and at its close, so that the next claim takes them at once;
// never the lease of an entry the node claimed again since and may be sending (a second node would send it too).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, liveBehindRelay, lockEndedUnseen, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Text only the statement that ends leases (`RELEASE`) holds. */
const RELEASE_TEXT = 'SET attempt_until = CASE WHEN s.attempts = 0 THEN s.attempt_until END';

test('an entry let go, then claimed again by its node before the release of what it let go ran: the release leaves it be, and no other node takes it while its node sends it', async (t) => {
  // A lease of 6 s: the entry let go is not renewed, so its lease ends and its node's own claim takes it again.
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_release_reclaimed', 6000);
  await live.add(entry('c1'));
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  // The refusal takes the lock again at once; the release of what the node let go is held before the server.
  const release = relay.holdStatement(RELEASE_TEXT);
  await assert.rejects(live.attempt('c1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await release.held;
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf WHERE id = 'c1' AND lease_until < now()")).length === 1, { what: 'the lease of the entry let go to end' });
  assert.deepEqual((await live.claim()).map((e) => e.id), ['c1'], 'its node claims it again');
  await live.attempt('c1', 1); // and sends it
  release.release();
  await release.over;

  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual(await other.open(), [], 'the entry its node is sending is not taken by another');
  assert.deepEqual(await sql(url, "SELECT lease_owner, attempts, lease_until > now() AS leased FROM iso8583_saf WHERE id = 'c1'"), [{ lease_owner: 'live-node', attempts: 1, leased: true }]);
});

test('close hands back the entries let go for want of the owner lock too: another node takes them at once, not once their lease ends', async (t) => {
  const { url, relay, live } = await lockEndedUnseen(t, cluster, 'owner_close_let_go', 'd1', ['d2']);
  // Refused by the statement (the server ended the lock's session; the node has not seen it): let go, not held.
  await assert.rejects(live.attempt('d1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.equal(live.size, 1, 'd2 held, d1 let go');
  const closing = live.close();
  await waitUntil(async () => (await sql(url, 'SELECT id FROM iso8583_saf WHERE lease_until <= now()')).length === 2, { what: 'both leases to be ended by the close' });
  // The close's last statement (forgetting the owner) goes on the lock's session, which the relay keeps silent: ended.
  relay.endLockSession();
  await closing;
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id).sort(), ['d1', 'd2'], 'both taken at once (their leases of 10 minutes ended)');
});

test('an entry marked not-needed by a commit its node did not see, then reversed while the lock\'s session had ended: reopened once the node holds its lock again, and another node sends the reversal', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_release_not_needed', 'n1');
  // The node's done(not-needed) committed, its answer lost with its connection: the row as the server has it.
  await sql(url, "UPDATE iso8583_saf SET done_at = now(), outcome = 'not-needed' WHERE id = 'n1'");
  // Told the done failed, the caller reverses the original: the attempt that would reopen the entry is refused (and
  // the refusal takes the lock again at once: what the node let go is released).
  await assert.rejects(live.attempt('n1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf WHERE id = 'n1' AND done_at IS NULL AND lease_until <= now()")).length === 1, {
    what: 'the entry let go to be reopened, its lease ended',
  });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => [e.id, e.attempts]), [['n1', undefined]], 'another node takes the reversal over (the refused attempt not counted)');
});

test('the same, with a renewal between the failed done and the refused attempt (the entry, done, no longer renewed): reopened too', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_release_not_needed_renewed');
  await live.add(entry('n3'));
  // The done(not-needed) fails as its connection is cut; the server has it committed (the row as it then is).
  const done = relay.holdStatement('SET done_at = now(), outcome = d.outcome');
  const failing = live.done('n3', 'not-needed');
  await done.held;
  done.cut();
  await assert.rejects(failing, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  await sql(url, "UPDATE iso8583_saf SET done_at = now(), outcome = 'not-needed' WHERE id = 'n3'");
  await (live as unknown as { renew(): Promise<void> }).renew(); // the row, done, is not renewed
  // The server ends the lock's session, unseen; the reversal's attempt is refused.
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  await assert.rejects(live.attempt('n3', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' }); // the lock taken again: released
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf WHERE id = 'n3' AND done_at IS NULL AND lease_until <= now()")).length === 1, {
    what: 'the entry let go to be reopened, its lease ended',
  });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['n3'], 'another node takes the reversal over');
});

test('a node that closes while its lock is lost (seen) hands back what it let go too: a reversal whose not-needed committed unseen is reopened and sent by another node, not left done for ever', async (t) => {
  const { url, relay, live } = await lockEndedUnseen(t, cluster, 'owner_close_lock_lost', 'n6', ['p1', 'k1']);
  await sql(url, "UPDATE iso8583_saf SET done_at = now(), outcome = 'not-needed' WHERE id = 'n6'"); // committed, unseen
  // The refusal starts the lock's retake: held before the server, so that the node closes without its lock.
  const retake = relay.holdStatement('pg_try_advisory_lock');
  const refused = await Promise.allSettled([live.attempt('n6', 1), live.attempt('p1', 1)]); // its reversal, and an entry: let go
  assert.deepEqual(refused.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code), ['ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST']);
  await retake.held;
  assert.equal(live.heldSince(), undefined, 'the lock not held');
  const closing = live.close();
  await waitUntil(async () => (await sql(url, 'SELECT 1 FROM iso8583_saf WHERE lease_until <= now()')).length === 3, { what: 'the close to hand the three back' });
  retake.release();
  await closing;
  assert.deepEqual(await sql(url, 'SELECT id, done_at IS NULL AS pending, lease_until <= now() AS ended FROM iso8583_saf ORDER BY id'), [
    { id: 'k1', pending: true, ended: true },
    { id: 'n6', pending: true, ended: true },
    { id: 'p1', pending: true, ended: true },
  ]);
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id).sort(), ['k1', 'n6', 'p1'], 'all taken at once, the reversal n6 too');
});

test('an entry its own node claimed back while holding it (its lease ended unrenewed), then let go for want of the lock: the release ends the lease the claim gave it, and another node takes it at once', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_release_took_back');
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  await other.open();
  await live.add(entry('b1'));
  // Its lease ended without a renewal (the store away at its renewals): the node's own claim takes it back, a new lease.
  await sql(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second' WHERE id = 'b1'");
  assert.deepEqual(await live.claim(), [], 'held here already: not handed to the SAF queue twice');
  const [claimedBack] = await sql<{ running: boolean }>(url, "SELECT lease_until > now() AS running FROM iso8583_saf WHERE id = 'b1'");
  assert.deepEqual(claimedBack, { running: true }, 'the claim gave it a new lease');
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  await assert.rejects(live.attempt('b1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  // The node takes its lock again at once and ends the lease of what it let go: the one the claim gave it.
  await waitUntil(async () => (await sql<{ ended: boolean }>(url, "SELECT lease_until <= now() AS ended FROM iso8583_saf WHERE id = 'b1'"))[0]?.ended === true, {
    what: 'the lease of the entry let go to be ended',
  });
  assert.deepEqual((await other.claim()).map((e) => e.id), ['b1']);
});
