// On an exclusive pool, online borrowers come before SAF attempts waiting for a connection: right for advices, wrong
// for reversals. Under steady online load a reversal (the connector's own, or one stored with `saf: true`) would
// never get the connection (POOL_EXHAUSTED, queued again at the back) and could expire unsent while the host keeps
// the money. A reversal's attempt waits in arrival order with the online requests. Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { advice } from './helpers/reversals.js';
import { exclusiveSafConnector, onlinePurchase } from './helpers/saf-exclusive.js';
import { peerFor } from './helpers/setup.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';

test('saf – a reversal on an exclusive pool is written in its arrival turn, not after every online request', async (t) => {
  const held: Received[] = [];
  const peer = await peerFor(t, (r, p) => {
    // The first advice is held until the test lets it go; anything else is answered at once.
    if (r.message['0'] === '0220' && held.length === 0) held.push(r);
    else p.send(r.socket, answer(r.message));
  });
  const connector = await exclusiveSafConnector(t, peer, 'saf-exclusive-reversal-in-turn');
  const ended = new Set<string>();
  connector.on('saf', (e) => {
    if (e.stage === 'answered') ended.add(e.stan ?? '');
  });
  await connector.request(advice('300001'), { saf: true });
  await waitUntil(() => held.length === 1, { what: 'the advice written, holding the one connection', timeoutMs: 10_000 });
  // The reversal arrives first, then the online purchase: both wait for the connection.
  await connector.request({ ...advice('300002', '0400'), '41': 'TERM0003' }, { saf: true });
  await waitUntil(() => connector.stats().pending === 1, { what: 'the reversal waiting for the connection', timeoutMs: 10_000 });
  const online = connector.request(onlinePurchase(), { timeout: 30_000 });
  await waitUntil(() => connector.stats().pending === 2, { what: 'the purchase waiting for the connection too', timeoutMs: 10_000 });
  const r = held[0] as Received;
  peer.send(r.socket, answer(r.message));
  assert.equal((await within(online, 10_000, 'the purchase answered'))['39'], '00');
  await waitUntil(() => ended.size === 2, { what: 'the advice and the reversal answered', timeoutMs: 10_000 });
  const order = peer.received.filter((m) => m.message['0'] !== '0800').map((m) => String(m.message['0']));
  assert.deepEqual(order, ['0220', '0400', '0200'], 'the reversal written in its turn, before the purchase that came after it');
});
