// The statements that lock several owner rows (iso8583_saf_owner) take them in one order, by `owner`: a start's
// RESTAMP (upstream-marker.ts, one statement over every key it moves) locks them so, and a claim of owners gone
// (owner-lock-sql.ts GONE_OWNERS, FOR SHARE) or a renewal's purge of owners (PURGE_OWNERS, a DELETE) that took them in
// the order of the table's pages instead deadlocked with it (PostgreSQL aborts one: a start or a claim failed; sr63i);
// so did a start that moved its keys one statement each (sr64b #1). Two real sessions: one holds the first owner's
// row, as RESTAMP does before it asks for the next; the statement under test must wait for it holding no row after
// it. The owners' rows are written in the opposite order, so that the table's order is not the owners'.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { probeWhileWaiting } from './helpers/pg-lock-order.js';
import { entry, renewNow, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const OWNER_ROWS = { table: 'iso8583_saf_owner', key: 'owner' };

/**
 * A node 'node-m' open on a new database `database`, and two owners gone ('gone-z' written first, then 'gone-a':
 * registered on this server, their locks free), gone-a holding `held` entries of node-m's key.
 */
async function withGoneOwners(t: TestContext, database: string, held: number): Promise<{ url: string; node: PgJournal }> {
  const url = cluster.createDatabase(database);
  const node = new PgJournal({ url, lease: 600_000, owner: 'node-m' });
  await node.open();
  t.after(() => node.close());
  for (const owner of ['gone-z', 'gone-a']) {
    await sql(url, `INSERT INTO iso8583_saf_owner (owner, upstream, server_started, server_token)
      VALUES ($1, '', pg_postmaster_start_time(), iso8583_server_token())`, [owner]);
  }
  // Written as gone-a's add wrote them (not node-m's: a node does not take back from a claim an entry it holds).
  for (let i = 1; i <= held; i++) {
    const e = entry(`g00000${i}`);
    await sql(url, `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until)
      VALUES ($1, '', $2::jsonb, 'gone-a', now() + interval '10 minutes')`, [e.id, JSON.stringify(e)]);
  }
  return { url, node };
}

test('a claim of owners gone locks their rows in owner order: not gone-z before gone-a, which it waits for', async (t) => {
  const { url, node } = await withGoneOwners(t, 'gone_owners_lock_order', 1);
  let claimed: string[] = [];
  const second = await probeWhileWaiting(t, url, 'gone-a', 'gone-z', 'the claim of owners gone to wait for gone-a', async () => {
    claimed = (await node.claim()).map((e) => e.id);
  }, OWNER_ROWS);
  assert.equal(second, undefined, 'gone-z was not locked while the claim waited for gone-a (55P03: it was)');
  assert.deepEqual(claimed, ['g000001'], 'gone-a\'s entry taken over at once, once');
  const rows = await sql<{ id: string; owner: string; pending: boolean }>(url, 'SELECT id, lease_owner AS owner, done_at IS NULL AS pending FROM iso8583_saf ORDER BY id');
  assert.deepEqual(rows, [{ id: 'g000001', owner: 'node-m', pending: true }], 'held by the claiming node alone, pending');
});

test('a renewal\'s purge of owners locks their rows in owner order: not gone-z before gone-a, which it waits for', async (t) => {
  const { url, node } = await withGoneOwners(t, 'gone_owners_purge_lock_order', 0);
  const second = await probeWhileWaiting(t, url, 'gone-a', 'gone-z', 'the purge of owners to wait for gone-a', () => renewNow(node), OWNER_ROWS);
  assert.equal(second, undefined, 'gone-z was not locked while the purge waited for gone-a (55P03: it was)');
  const owners = await sql<{ owner: string }>(url, 'SELECT owner FROM iso8583_saf_owner ORDER BY owner');
  assert.deepEqual(owners, [{ owner: 'node-m' }], 'both owners gone, holding nothing, purged; the live node kept');
});

test('a start moving two keys locks the dead owners of both in owner order, in one statement: not key by key (sr64b #1)', async (t) => {
  const url = cluster.createDatabase('gone_owners_restamp_keys_lock_order');
  const node = new PgJournal({ url, upstream: 'k3', address: '127.0.0.1:1001', lease: 600_000, owner: 'node-m' });
  await node.open();
  t.after(() => node.close());
  // Two dead owners of no key and no bank (an earlier version's): gone-z holds an entry of k1; gone-b one of k2 and one
  // of k3 (node-m's key). Neither k1 nor k2 has a row: the start takes their entries, and these owners, as its bank's.
  for (const owner of ['gone-z', 'gone-b']) {
    await sql(url, `INSERT INTO iso8583_saf_owner (owner, upstream, server_started, server_token)
      VALUES ($1, NULL, pg_postmaster_start_time(), iso8583_server_token())`, [owner]);
  }
  for (const [id, key, owner] of [['e000001', 'k1', 'gone-z'], ['e000002', 'k2', 'gone-b'], ['e000003', 'k3', 'gone-b']] as const) {
    const e = entry(id);
    await sql(url, `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until)
      VALUES ($1, $2, $3::jsonb, $4, now() + interval '10 minutes')`, [id, key, JSON.stringify(e), owner]);
  }
  // k1 first: key by key, the start locked gone-z (k1's) and then waited for gone-b (k2's) holding it: with a claim
  // holding gone-b and asking for gone-z (GONE_OWNERS, owner order), a cycle (PostgreSQL aborted one, 40P01).
  const start = new PgJournal({ url, upstream: 'k1', formerUpstreams: ['k2'], address: '127.0.0.1:2002', lease: 600_000, owner: 'node-s' });
  t.after(() => start.close());
  const second = await probeWhileWaiting(t, url, 'gone-b', 'gone-z', 'the start to wait for gone-b', () => start.open(), OWNER_ROWS);
  assert.equal(second, undefined, 'gone-z was not locked while the start waited for gone-b (55P03: it was)');
  assert.deepEqual(await node.claim(), [], 'node-m\'s claim ends (no deadlock): gone-b is now the new address\'s, its k3 entry left to its lease');
  const rows = await sql<{ id: string; upstream: string; bank: string | null; owner: string; pending: boolean }>(url,
    'SELECT id, upstream, bank, lease_owner AS owner, done_at IS NULL AS pending FROM iso8583_saf ORDER BY id');
  assert.deepEqual(rows, [
    { id: 'e000001', upstream: 'k1', bank: '127.0.0.1:2002', owner: 'node-s', pending: true },
    { id: 'e000002', upstream: 'k2', bank: '127.0.0.1:2002', owner: 'node-s', pending: true },
    { id: 'e000003', upstream: 'k3', bank: null, owner: 'gone-b', pending: true },
  ], 'k1\'s and k2\'s entries taken as the new address\'s by the start, each held by one owner; k3\'s left as it was');
  const owners = await sql<{ owner: string; bank: string | null }>(url, "SELECT owner, bank FROM iso8583_saf_owner WHERE owner LIKE 'gone-%' ORDER BY owner");
  assert.deepEqual(owners, [{ owner: 'gone-b', bank: '127.0.0.1:2002' }, { owner: 'gone-z', bank: '127.0.0.1:2002' }], 'both dead owners taken as the new address\'s');
});
