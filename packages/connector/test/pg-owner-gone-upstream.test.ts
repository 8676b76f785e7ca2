// An owner gone for good whose pending entries are of an upstream no running node serves: no claim takes them, so no
// purge deletes its row. A node's claim (every second, per upstream) must not lock that row each time: it would write
// a row lock (and its WAL) per such owner every second on every node, and a node restarting under that owner name
// would wait for those claims. A claim finds gone (and locks) only the owners of the keys it claims (each owner's
// row records its upstream).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Text the claim of the entries of owners gone holds, and no other statement. */
const CLAIM_GONE_TEXT = 'lease_owner = ANY (ARRAY(SELECT owner FROM gone))';

/** An owner gone of upstream `upstream` (registered, its lock free) holding one pending entry of it. */
async function goneOwner(url: string, owner: string, id: string, upstream: string): Promise<void> {
  await sql(url, 'INSERT INTO iso8583_saf_owner (owner, upstream) VALUES ($1, $2)', [owner, upstream]);
  await sql(url, `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES ($1, $2, $3, $4, now() + interval '1 hour')`, [
    id,
    upstream,
    JSON.stringify(entry(id)),
    owner,
  ]);
}

test('a claim does not lock the row of an owner gone whose entries are of an upstream it does not serve; it takes those of its own', async (t) => {
  const url = cluster.createDatabase('owner_gone_other_upstream');
  const node = new PgJournal({ url, lease: 600_000, owner: 'live-node', upstream: 'live' });
  t.after(() => node.close());
  await node.open();
  await node.add(entry('l1')); // a pending entry of its upstream (held: not claimable)
  await goneOwner(url, 'retired-node', 'r1', 'retired');
  await goneOwner(url, 'gone-node', 'g1', 'live');

  // The retired owner's row held by an update (what its own REGISTER does as it takes its lock back).
  const holder = new pg.Client(url);
  await holder.connect();
  t.after(() => holder.end());
  await holder.query('BEGIN');
  await holder.query("UPDATE iso8583_saf_owner SET locked_at = locked_at WHERE owner = 'retired-node'");
  let claimed: string[] | undefined;
  const claiming = node.claim().then((got) => (claimed = got.map((e) => e.id)));
  await waitUntil(
    async () => claimed !== undefined || (await sql(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1", [`%${CLAIM_GONE_TEXT}%`])).length > 0,
    { what: 'the claim to end, or to wait for the retired owner\'s row' },
  );
  const waited = claimed === undefined;
  await holder.query('COMMIT');
  await claiming;
  assert.equal(waited, false, 'the claim did not wait for the row of an owner whose entries it does not take');
  assert.deepEqual(claimed, ['g1'], 'it took the entry of the owner gone of its upstream');
  assert.deepEqual(await sql(url, "SELECT id, lease_owner FROM iso8583_saf WHERE id = 'r1'"), [{ id: 'r1', lease_owner: 'retired-node' }], 'the other upstream\'s entry waits for a node of that upstream');

  // A node of that upstream takes it (not lost), and the owner's row is deleted at its next renewal's purge.
  const retired = new PgJournal({ url, lease: 900, owner: 'retired-upstream-node', upstream: 'retired' });
  t.after(() => retired.close());
  assert.deepEqual((await retired.open()).map((e) => e.id), ['r1']);
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf_owner WHERE owner = 'retired-node'")).length === 0, { what: 'the retired owner\'s row to be deleted' });
});
