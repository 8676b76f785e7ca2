// A request's own `timeout` bounds its wait in its terminal's queue too, when shorter than `terminalQueue.timeout`: a
// caller that gives up after it (an HTTP client's `?timeout=`) is never answered later, from a turn that came after it
// gave up (and resent: two purchases). On a lone connector and in an upstream group's one queue. Real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { purchase, answer, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { connectorFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

/** A host that holds every request (answers sign-on and echo) until the test answers it. */
async function holdingPeer(held: Received[]): Promise<Peer> {
  return startPeer((r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
  });
}

test('terminal queue – a request waiting behind its terminal fails at its own timeout (QUEUE_TIMEOUT naming timeout, not sent), not at the queue\'s', async (t) => {
  const held: Received[] = [];
  const peer = await holdingPeer(held);
  t.after(() => peer.close());
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 60_000, terminalQueue: { enabled: true, timeout: 5_000 } });
  await connector.connect();
  const first = connector.request(purchase('005101', 'TERMQ001'));
  await waitUntil(() => held.length === 1, { what: 'the first request at the host' });
  const t0 = performance.now();
  const err = await failure(connector.request(purchase('005102', 'TERMQ001'), { timeout: 200 }));
  const waited = performance.now() - t0;
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
  assert.equal(err.field, 'timeout');
  assert.equal(err.sent, 'no');
  assert.ok(waited >= 190, `waited ${Math.round(waited)} ms, its 200 ms timeout`);
  // The first is answered only now: the second never reached the host.
  const r = held.shift() as Received;
  peer.send(r.socket, answer(r.message));
  assert.equal((await first)['39'], '00');
  assert.deepEqual(peer.received.filter((x) => x.message['0'] === '0200').map((x) => x.message['11']), ['005101']);
  assert.equal(connector.stats().pending, 0);
});

test('terminal queue – a request of a group waiting behind its terminal fails at its own timeout too; a bad timeout is refused before the queue', async (t) => {
  const held: Received[] = [];
  const a = await holdingPeer(held);
  const options = { ...upstream('a', a), requestTimeout: 60_000, terminalQueue: { enabled: true, timeout: 5_000 }, transactionLog: false as const };
  const group = await startGroup(t, { strategy: 'failover', upstreams: [options] }, () => [a]);
  const first = group.request(purchase('005201', 'TERMQ002'));
  await waitUntil(() => held.length === 1, { what: 'the first request at the bank' });
  const err = await failure(group.request(purchase('005202', 'TERMQ002'), { timeout: 200 }));
  assert.deepEqual([err.code, err.field, err.sent], ['ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', 'timeout', 'no']);
  const bad = await failure(group.request(purchase('005203', 'TERMQ002'), { timeout: 0 }));
  assert.deepEqual([bad.code, bad.field, bad.sent], ['ISO8583_ERR_CONNECTOR_OPTIONS', 'timeout', 'no']);
  const r = held.shift() as Received;
  a.send(r.socket, answer(r.message));
  assert.equal((await first)['39'], '00');
  assert.deepEqual(a.received.filter((x) => x.message['0'] === '0200').map((x) => x.message['11']), ['005201']);
});
