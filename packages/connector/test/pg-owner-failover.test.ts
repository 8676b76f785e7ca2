// Several nodes on one PostgreSQL that fails over to a promoted standby, or restarts: owner rows replicate (and outlive
// a restart), advisory locks do not. No live node is taken for gone there, also one whose lock's connection to the old
// server hangs (it has not seen its lock go, and may be writing an original whose entry another node would reverse);
// a node that really died is taken over once its lease ends; every entry is attempted by one node, once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { STRANDED } from '../src/pg/saf-sql.js';
import { startChild } from './child.js';
import { claimAll, entry, lockSession, nodePair, sql } from './helpers/pg-owner-lock.js';
import { startReplicatedPair } from './helpers/pg-failover.js';

/** The rows of the SAF queue: holder and attempts, by id. */
async function safRows(url: string): Promise<Array<{ id: string; lease_owner: string; attempts: number }>> {
  return sql(url, 'SELECT id, lease_owner, attempts FROM iso8583_saf ORDER BY id');
}

test('a failover to a promoted standby: no live node is taken for gone (one whose lock\'s connection to the dead primary hangs included), the node that died with the primary is taken over once its lease ends, each entry attempted once by one node', async (t) => {
  const started = performance.now();
  // The standby runs before the nodes register on the primary (as it does in production): their rows come to it later.
  const pair = await startReplicatedPair('failover');
  const [ra, rb, rd] = [await pair.relay(), await pair.relay(), await pair.relay()];
  ra.silentLock = true; // node-a never sees its lock's session on the primary end
  const a = new PgJournal({ url: ra.url, lease: 600_000, owner: 'node-a' });
  const b = new PgJournal({ url: rb.url, lease: 600_000, owner: 'node-b' });
  const children: Array<ReturnType<typeof startChild>> = [];
  // One cleanup (t.after runs them in registration order): the journals closed and the child dead before the
  // clusters stop.
  t.after(async () => {
    await Promise.all([a.destroy(), b.destroy(), ...children.map((c) => c.kill())]);
    await pair.destroy();
  });
  await a.open();
  await b.open();
  const d = startChild('pg-owner-child', { url: rd.url, owner: 'node-d', lease: 600_000, ids: ['d1'], attempted: [] });
  children.push(d);
  await d.waitLine('ready', 30_000);
  await a.add(entry('a1'));
  await b.add(entry('b1'));
  await pair.caughtUp();

  pair.stopPrimary();
  await d.kill(); // node-d dies with the primary, and never comes back
  await waitUntil(() => b.heldSince() === undefined, { what: 'node-b to see its lock\'s session end with the primary' });
  pair.promote();
  assert.equal(typeof a.heldSince(), 'number', 'node-a has not seen its lock\'s session end (its connection hangs)');
  assert.deepEqual(await sql(pair.standbyUrl, STRANDED, [0]), [], 'no entry of the owners registered on the old primary counts as stranded');

  // node-b's next add takes its lock on the new primary; its claim finds no owner gone there.
  await b.add(entry('b2'));
  assert.equal(typeof b.heldSince(), 'number', 'node-b holds its lock on the new primary');
  assert.deepEqual(await b.claim(), [], 'node-a runs and node-d\'s lease runs: no entry is taken over at once');

  // node-a's next statement finds its lock not held on the new primary: refused (not stored: its request not sent),
  // and the lock taken there; its entry stays its own.
  await assert.rejects(a.add(entry('a2')), { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'ownerLock' });
  await waitUntil(async () => a.heldSince() !== undefined && (await lockSession(pair.standbyUrl, 'node-a')) !== undefined, { what: 'node-a to take its lock on the new primary' });
  await a.attempt('a1', 1);
  assert.deepEqual(await b.claim(), [], 'node-a holds its lock again: still its own');

  // node-d really died: its entry is taken once its lease ends (ended here in the database rather than awaited).
  await sql(pair.standbyUrl, "UPDATE iso8583_saf SET lease_until = now() WHERE id = 'd1'");
  assert.deepEqual((await claimAll(b, 1, 'node-d\'s entry to be claimed once its lease ended')).map((e) => e.id), ['d1']);
  assert.deepEqual(await a.claim(), []);
  await b.attempt('d1', 1);
  await b.attempt('b1', 1);
  assert.deepEqual(await safRows(pair.standbyUrl), [
    { id: 'a1', lease_owner: 'node-a', attempts: 1 },
    { id: 'b1', lease_owner: 'node-b', attempts: 1 },
    { id: 'b2', lease_owner: 'node-b', attempts: 0 },
    { id: 'd1', lease_owner: 'node-b', attempts: 1 },
  ]);
  t.diagnostic(`failover test: ${Math.round(performance.now() - started)} ms`);
});

test('a server restart: no live node is taken for gone (one that has not seen its lock\'s session end included), and once it holds its lock again it is judged as before', async (t) => {
  const { cluster: own, url, relay, a, b } = await nodePair(t, 'owner_restart_unseen');
  await a.add(entry('a1'));
  relay.holdLockSession();
  own.stopServer();
  own.startServer();
  await waitUntil(() => b.heldSince() === undefined, { what: 'node-b to see its lock\'s session end' });
  assert.equal(typeof a.heldSince(), 'number', 'node-a has not seen its lock\'s session end');
  await b.add(entry('b1'));
  assert.deepEqual(await b.claim(), [], 'node-a runs: its entry is its own');
  assert.deepEqual(await sql(url, STRANDED, [0]), []);

  await assert.rejects(a.add(entry('a2')), { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'ownerLock' });
  await waitUntil(async () => a.heldSince() !== undefined && (await lockSession(url, 'node-a')) !== undefined, { what: 'node-a to take its lock again' });
  await a.attempt('a1', 1, 1000); // in flight for 1 s: no node takes it over before
  assert.deepEqual(await b.claim(), []);
  // Registered on the server that runs now: once its lock's session ends, node-a is gone at once, as before a restart.
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
  assert.deepEqual((await claimAll(b, 1, 'node-a\'s entry to be claimed once its lock\'s session ended')).map((e) => e.id), ['a1']);
  assert.deepEqual(await safRows(url), [
    { id: 'a1', lease_owner: 'node-b', attempts: 1 },
    { id: 'b1', lease_owner: 'node-b', attempts: 0 },
  ]);
});
