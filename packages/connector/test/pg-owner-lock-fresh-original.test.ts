// An original's entry added (addOriginal) just before the server ended its node's owner-lock session, the node not
// hearing of it (a FATAL message lost, a half-open connection): the node's add resolved and its hold looks unbroken,
// so it may still write the original for up to `lease - claimInterval` ms (`ReversalManager.late`). Another node that
// took the owner for gone claimed such an entry at once and reversed it: the reversal could cross the original (money
// doubled, or a reversal of nothing). The entry is fenced from its add for a lease: no node takes it over before then,
// by the owner lock's fast path or by lease; past the fence it is taken over at once again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '@iso8583/test-support';
import { claimAll, entry, lockSession, nodePair, sql } from './helpers/pg-owner-lock.js';

test('an original added just before its node\'s owner-lock session was ended unseen is not taken over by another node while the node may still write it', async (t) => {
  const { url, relay, a, b } = await nodePair(t, 'owner_fresh_original');
  await a.addOriginal(entry('f1')); // node-a arms the original: its reversal entry is stored
  await a.add(entry('r1')); // an entry of no original (a reversal, an advice): nothing for node-a to write
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
  await waitUntil(async () => (await lockSession(url, 'node-a')) === undefined, { what: 'the server to end node-a\'s lock session' });
  // node-a has not heard: its hold looks unbroken, so the original of f1 would still be written (ReversalManager.late).
  assert.notEqual(a.heldSince(), undefined, 'node-a still takes its lock for held');
  // node-b takes node-a for gone: it takes r1 at once, but not f1, whose original node-a may be writing.
  const taken = await claimAll(b, 1, 'node-b to take over r1 of node-a, gone');
  assert.deepEqual(taken.map((e) => e.id), ['r1']);
  assert.deepEqual(await b.claim(), [], 'f1 is not taken over while its original may still be written');
  assert.deepEqual(await sql(url, "SELECT lease_owner FROM iso8583_saf WHERE id = 'f1'"), [{ lease_owner: 'node-a' }]);
  // Once the add is a lease old (its original can no longer be written: its send-by passed), the fast takeover holds.
  await sql(url, "UPDATE iso8583_saf SET attempt_until = now() - interval '1 millisecond' WHERE id = 'f1'");
  assert.deepEqual((await claimAll(b, 1, 'node-b to take over f1 once its fence ended')).map((e) => e.id), ['f1']);
});
