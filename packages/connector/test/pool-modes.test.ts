// multiplex: many requests interleaved per connection, up to pool.max connections; exclusive: one per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';
import type { Connector } from '../src/index.js';

/** Counts the `disconnect` events of `connector` from now on; `reached(n)` resolves once `n` were seen. */
function disconnects(connector: Connector): { reached(n: number): Promise<void> } {
  let seen = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  connector.on('disconnect', () => {
    seen += 1;
    for (const w of waiting.filter((x) => seen >= x.n)) w.resolve();
  });
  return { reached: (n) => (seen >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }))) };
}

test('exclusive mode: a connection carries one request at a time; pool.max connections at most', async (t) => {
  const perSocket = new Map<unknown, number>();
  let worst = 0;
  const peer = await startPeer((r: Received, p) => {
    perSocket.set(r.socket, (perSocket.get(r.socket) ?? 0) + 1);
    worst = Math.max(worst, perSocket.get(r.socket) ?? 0);
    setTimeout(() => {
      perSocket.set(r.socket, (perSocket.get(r.socket) ?? 1) - 1);
      p.send(r.socket, answer(r.message));
    }, 10);
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 0, max: 2 } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const all = await Promise.all(Array.from({ length: 8 }, (_, i) => connector.request(purchase(String(5000 + i).padStart(6, '0')))));
  assert.equal(all.length, 8);
  assert.equal(worst, 1);
  assert.equal(new Set(peer.received.map((r) => r.socket)).size, 2);
});

test('exclusive mode: no connection free within acquireTimeout fails with POOL_EXHAUSTED', async (t) => {
  const peer = await startPeer((r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 600));
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 150 },
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  const first = connector.request(purchase('005101'));
  await peer.waitFor(1); // the only connection is now busy
  await assert.rejects(connector.request(purchase('005102')), { code: 'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED', field: 'pool.acquireTimeout' });
  assert.equal((await first)['39'], '00');
});

test('multiplex mode: many requests share one connection; under load it grows to pool.max connections', async (t) => {
  // The host holds every request of a round until the round is complete, so each round keeps every connection busy.
  const round: Received[] = [];
  let roundSize = 0;
  const peer = await startPeer((r, p) => {
    round.push(r);
    if (round.length < roundSize) return;
    for (const held of round.splice(0)) p.send(held.socket, answer(held.message));
  });
  const one = createConnector({ host: '127.0.0.1', port: peer.port });
  const three = createConnector({ name: 'three', host: '127.0.0.1', port: peer.port, pool: { min: 1, max: 3 } });
  t.after(async () => {
    await one.destroy();
    await three.destroy();
    await peer.close();
  });
  await one.connect();
  roundSize = 20;
  await Promise.all(Array.from({ length: 20 }, (_, i) => one.request(purchase(String(5200 + i).padStart(6, '0')))));
  assert.equal(new Set(peer.received.map((r) => r.socket)).size, 1);
  assert.equal(one.stats().connected, 1);
  await three.connect();
  for (let n = 0; n < 2; n++) {
    // Every connection busy: the pool opens one more; the round is answered once it is up.
    const grown = once(three, 'connect');
    roundSize = 30;
    const answered = Promise.all(Array.from({ length: 30 }, (_, i) => three.request(purchase(String(6000 + n * 100 + i).padStart(6, '0')))));
    await grown;
    await answered;
  }
  assert.equal(three.stats().connected, 3);
  roundSize = 30;
  await Promise.all(Array.from({ length: 30 }, (_, i) => three.request(purchase(String(6300 + i).padStart(6, '0')))));
  assert.equal(three.stats().connected, 3, 'never more than pool.max');
  assert.equal(new Set(peer.received.slice(20).map((r) => r.socket)).size, 3);
});

test('maxInFlight: requests beyond the limit are refused with IN_FLIGHT_LIMIT', async (t) => {
  const peer = await startPeer((r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 30));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, maxInFlight: 2 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const a = connector.request(purchase('005301'));
  const b = connector.request(purchase('005302'));
  await assert.rejects(connector.request(purchase('005303')), { code: 'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT', field: 'maxInFlight' });
  await Promise.all([a, b]);
  assert.equal((await connector.request(purchase('005304')))['39'], '00');
});

test('idle connections beyond pool.min are closed after pool.idleTimeout (exclusive and multiplex)', async (t) => {
  // The host answers a round of requests once all of them arrived: the round keeps every connection busy.
  const round: Received[] = [];
  let roundSize = 2;
  const peer = await startPeer((r, p) => {
    round.push(r);
    if (round.length < roundSize) return;
    for (const held of round.splice(0)) p.send(held.socket, answer(held.message));
  });
  const exclusive = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 0, max: 2, idleTimeout: 60 } });
  const multiplex = createConnector({ name: 'm', host: '127.0.0.1', port: peer.port, pool: { min: 1, max: 3, idleTimeout: 60 } });
  const exclusiveGone = disconnects(exclusive);
  const multiplexGone = disconnects(multiplex);
  t.after(async () => {
    await exclusive.destroy();
    await multiplex.destroy();
    await peer.close();
  });
  await Promise.all([exclusive.request(purchase('005401')), exclusive.request(purchase('005402'))]);
  assert.equal(exclusive.stats().connected, 2);
  await multiplex.connect();
  const grown = once(multiplex, 'connect');
  roundSize = 20;
  const answered = Promise.all(Array.from({ length: 20 }, (_, i) => multiplex.request(purchase(String(5500 + i).padStart(6, '0')))));
  await grown;
  await answered;
  assert.ok(multiplex.stats().connected >= 2);
  roundSize = 1;
  // Every connection beyond pool.min closes once idle: the exclusive pool keeps none, the multiplex pool one.
  const extra = multiplex.stats().connected - 1;
  await Promise.all([exclusiveGone.reached(2), multiplexGone.reached(extra)]);
  assert.equal(exclusive.stats().connected, 0);
  assert.equal(multiplex.stats().connected, 1);
  // The kept connection still works.
  assert.equal((await multiplex.request(purchase('005499')))['39'], '00');
});

test('exclusive mode: the pool.min connections stay open however long they are idle (only those beyond it are evicted)', async (t) => {
  // The host answers a round once all of it arrived: the first round keeps two connections busy.
  const round: Received[] = [];
  let roundSize = 2;
  const peer = await startPeer((r, p) => {
    round.push(r);
    if (round.length < roundSize) return;
    for (const held of round.splice(0)) p.send(held.socket, answer(held.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 1, max: 2, idleTimeout: 50 } });
  const gone = disconnects(connector);
  let connects = 0;
  connector.on('connect', () => (connects += 1));
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await Promise.all([connector.request(purchase('005601')), connector.request(purchase('005602'))]);
  assert.equal(connector.stats().connected, 2);
  // The one beyond pool.min goes; then twenty idle timeouts (and as many eviction runs) pass with the other kept.
  await gone.reached(1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(connector.stats().connected, 1);
  assert.equal(connects, 2, 'no connection was closed and remade');
  roundSize = 1;
  assert.equal((await connector.request(purchase('005603')))['39'], '00');
});

test('exclusive mode: a connection whose request timed out is closed, not lent again (a host serving one request at a time would hold the next behind it)', async (t) => {
  // The host works on one request at a time per connection, in order; it never finishes 005301, so everything sent
  // after it on that connection waits forever.
  const busy = new Set<unknown>();
  const peer = await startPeer((r: Received, p) => {
    if (busy.has(r.socket)) return;
    if (r.message['11'] === '005301') {
      busy.add(r.socket);
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 0, max: 1, idleTimeout: 600_000 }, requestTimeout: 100 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const gone = disconnects(connector).reached(1);
  await assert.rejects(connector.request(purchase('005301')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const next = await connector.request(purchase('005302'), { timeout: 5000 });
  assert.equal(next['39'], '00');
  await gone;
  const [first, second] = peer.received;
  assert.notEqual(first?.socket, second?.socket, 'the second request went on a new connection');
});
