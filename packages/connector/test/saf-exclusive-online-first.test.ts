// On an exclusive pool, a SAF backlog (up to `saf.maxInFlight` attempts waiting for a connection) must not hold online
// requests back: generic-pool served its borrowers first come, so an online 0200 waited behind every advice queued
// before it (each a round trip to the host), past `pool.acquireTimeout` with a slow host (POOL_EXHAUSTED: a purchase
// refused because of background advices). Online borrowers now come first: the 0200 is written as soon as the one
// connection is given back, before the advices that waited for it. Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { advice } from './helpers/reversals.js';
import { exclusiveSafConnector, onlinePurchase } from './helpers/saf-exclusive.js';
import { peerFor } from './helpers/setup.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';

/** Advices queued while the one connection is lent. */
const ADVICES = 12;

test('saf – an online request on an exclusive pool goes before the SAF attempts waiting for a connection', async (t) => {
  const held: Received[] = [];
  let release: (() => void) | undefined;
  const peer = await peerFor(t, (r, p) => {
    // Advices are held until the test lets each go (one at a time); anything else is answered at once.
    if (r.message['0'] === '0220') {
      held.push(r);
      release?.();
    } else p.send(r.socket, answer(r.message));
  });
  const connector = await exclusiveSafConnector(t, peer, 'saf-exclusive-online-first');
  const delivered = new Set<string>();
  connector.on('saf', (e) => {
    if (e.stage === 'answered') delivered.add(e.stan ?? '');
  });
  for (let i = 1; i <= ADVICES; i++) await connector.request(advice(String(300000 + i)), { saf: true });
  // One advice holds the connection; the others wait for it in the pool.
  await waitUntil(() => held.length === 1 && connector.stats().pending === ADVICES - 1, { what: 'one advice written, the others waiting for the connection', timeoutMs: 10_000 });
  const online = connector.request(onlinePurchase(), { timeout: 30_000 });
  await waitUntil(() => connector.stats().pending === ADVICES, { what: 'the purchase waiting for the connection too', timeoutMs: 10_000 });
  // Each advice answered in turn frees the connection for the next borrower.
  for (let n = 1; n <= ADVICES; n++) {
    const next = new Promise<void>((resolve) => (release = resolve));
    const r = held[n - 1] as Received;
    peer.send(r.socket, answer(r.message));
    if (n < ADVICES) await within(next, 10_000, `advice ${n + 1} written`);
    if (n === 1) assert.equal((await within(online, 10_000, 'the purchase answered'))['39'], '00');
  }
  await waitUntil(() => delivered.size === ADVICES, { what: 'every advice delivered', timeoutMs: 10_000 });
  const order = peer.received.filter((r) => r.message['0'] !== '0800').map((r) => String(r.message['0']));
  assert.deepEqual(order.slice(0, 3), ['0220', '0200', '0220'], 'the purchase written as soon as the first advice freed the connection');
  assert.equal(order.filter((m) => m === '0220').length, ADVICES, 'each advice written once');
});
