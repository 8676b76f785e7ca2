// An entry let go for want of the owner lock while a lease renewal that includes it is in flight: the renewal may
// renew its lease after it was let go, and the release of the lease it was let go with then misses it. Released
// again with the lease the renewal returned, another node takes it at once, not a whole lease later.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

/** Text only the statement that renews leases (`RENEW`) holds. */
const RENEW_TEXT = 'renewed AS (UPDATE iso8583_saf s SET lease_until';

test('an entry let go while a renewal that includes it is uncommitted: once the renewal commits and returns, another node claims it at once', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_renewal_let_go');
  await live.add(entry('w1'));
  await live.add(entry('w2'));
  // The renewal runs while the lock is held, its transaction kept open by the relay (the rows locked, their leases
  // renewed but not committed).
  const renew = relay.holdStatement(RENEW_TEXT, { runUncommitted: true });
  const renewing = (live as unknown as { renew(): Promise<void> }).renew();
  await renew.held;
  // The server ends the lock's session, unseen by the node; the attempt of w1 is refused: w1 let go, the lock taken
  // again, and the release of w1 (with the lease it had) waits for the renewal's row lock.
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  await assert.rejects(live.attempt('w1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await waitUntil(
    async () => (await sql(url, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%lease_until = now(), done_at%'")).length === 1,
    { what: 'the release of the entry let go to wait for the renewal\'s row lock' },
  );
  renew.release();
  await renewing;

  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['w1'], 'the entry let go is taken at once (its lease of 10 minutes ended), the one held is not');
  assert.equal(live.size, 1, 'w2 still held by its node');
});
