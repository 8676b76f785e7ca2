// An entry let go for want of the owner lock while a lease renewal that includes it is in flight: the renewal may
// renew its lease after it was let go, and the release of the lease it was let go with then misses it. Released
// again with the lease the renewal returned, another node takes it at once, not a whole lease later. When that renewal
// commits but its answer is lost (its connection cut), the lease is unknown to the node: released at the next renewal
// whatever it is, while none of the node's own claims runs (a lease its claim gave the entry since must stay).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { HeldStatement, LockRelay } from './helpers/pg-lock-relay.js';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Text only the statement that renews leases (`RENEW`) holds. */
const RENEW_TEXT = 'renewed AS (UPDATE iso8583_saf s SET lease_until';
/** Text only the statement that claims entries whose lease ended (`CLAIM`) holds. */
const CLAIM_TEXT = 'done_at IS NULL AND lease_until < now() AND';

/** Runs `node`'s lease renewal now, as its timer does every `claimInterval`. */
const renew = (node: PgJournal): Promise<void> => (node as unknown as { renew(): Promise<void> }).renew();

/**
 * A node ('live-node', behind a relay) holding `id` and `kept`, that lets `id` go (an attempt refused for want of its
 * owner lock: the server ended the lock's session unseen, and the lock is taken again) while a renewal of both runs,
 * its transaction kept open by the relay (the rows locked, their leases renewed but not committed); the release of
 * `id` with the lease it had waits for the renewal's row lock. `renewal` is the renewal held, `renewing` its end.
 */
async function letGoUnderRenewal(t: TestContext, database: string, id: string, kept: string): Promise<{ url: string; relay: LockRelay; live: PgJournal; renewal: HeldStatement; renewing: Promise<void> }> {
  const { url, relay, live } = await liveBehindRelay(t, cluster, database);
  await live.add(entry(id));
  await live.add(entry(kept));
  const renewal = relay.holdStatement(RENEW_TEXT, { runUncommitted: true });
  const renewing = renew(live);
  await renewal.held;
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  await assert.rejects(live.attempt(id, 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await waitUntil(
    async () => (await sql(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%lease_until = now(), done_at%'")).length === 1,
    { what: 'the release of the entry let go to wait for the renewal\'s row lock' },
  );
  return { url, relay, live, renewal, renewing };
}

test('an entry let go while a renewal that includes it is uncommitted: once the renewal commits and returns, another node claims it at once', async (t) => {
  const { url, live, renewal, renewing } = await letGoUnderRenewal(t, 'owner_renewal_let_go', 'w1', 'w2');
  renewal.release();
  await renewing;

  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['w1'], 'the entry let go is taken at once (its lease of 10 minutes ended), the one held is not');
  assert.equal(live.size, 1, 'w2 still held by its node');
});

/**
 * As {@link letGoUnderRenewal} with c1 let go and c2 kept, the renewal then committed (c1's lease renewed for 10 minutes
 * after it was let go, which the release with the lease it had then misses) but its answer never reached the node (its
 * connection cut): c1's lease is unknown to the node.
 */
async function letGoUnderCutRenewal(t: TestContext, database: string): Promise<{ url: string; relay: LockRelay; live: PgJournal }> {
  const { url, relay, live, renewal, renewing } = await letGoUnderRenewal(t, database, 'c1', 'c2');
  renewal.commitThenCut();
  await renewal.over;
  await renewing;
  const [c1] = await sql<{ ended: boolean }>(url, "SELECT lease_until < now() AS ended FROM iso8583_saf WHERE id = 'c1'");
  assert.equal(c1?.ended, false, 'the renewal committed: c1 leased for 10 minutes');
  return { url, relay, live };
}

test('an entry let go while a renewal that includes it runs, the renewal committed but its answer lost (connection cut): another node claims it at the next renewal, not a lease later', async (t) => {
  const { url, live } = await letGoUnderCutRenewal(t, 'owner_renewal_cut');
  await renew(live);
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['c1'], 'the entry let go is taken at once, the one held is not');
  assert.equal(live.size, 1, 'c2 still held by its node');
});

test('the release of an entry whose lease a cut renewal left unknown waits for the node\'s own claim under way, and leaves the entry it took back leased', async (t) => {
  const { url, relay, live } = await letGoUnderCutRenewal(t, 'owner_renewal_cut_claim');
  // c1's lease runs out before the next renewal; the node's own claim takes it back (its statement run, uncommitted).
  await sql(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second' WHERE id = 'c1'");
  const held = relay.holdStatement(CLAIM_TEXT, { runUncommitted: true });
  const claiming = live.claim();
  await held.held;
  // The renewal's own lease renewal is kept from the server: what the other node finds is what the release left.
  const renewal = relay.holdStatement(RENEW_TEXT);
  const renewing = renew(live);
  await waitUntil(() => (live as unknown as { releasingUnknown?: Promise<void> }).releasingUnknown !== undefined, { what: 'the renewal to release the entries whose lease is unknown' });
  held.release();
  assert.deepEqual((await claiming).map((e) => e.id), ['c1'], 'the node took c1 back');
  await renewal.held;
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual(await other.open(), [], 'c1 keeps the lease the node\'s claim gave it: no other node sends it too');
  renewal.release();
  await renewing;
  assert.equal(live.size, 2, 'c1 and c2 held by the node');
});

test('an entry whose lease a cut renewal left unknown is handed back when its node stops before its next renewal', async (t) => {
  const { url, live } = await letGoUnderCutRenewal(t, 'owner_renewal_cut_close');
  await live.close();
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id).sort(), ['c1', 'c2'], 'c1 handed back with c2, which the node held');
});
