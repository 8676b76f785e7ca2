// multiplex: many requests interleaved per connection, up to pool.max connections; exclusive: one per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';

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
  const peer = await startPeer((r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 20));
  const one = createConnector({ host: '127.0.0.1', port: peer.port });
  const three = createConnector({ name: 'three', host: '127.0.0.1', port: peer.port, pool: { min: 1, max: 3 } });
  t.after(async () => {
    await one.destroy();
    await three.destroy();
    await peer.close();
  });
  await one.connect();
  await Promise.all(Array.from({ length: 20 }, (_, i) => one.request(purchase(String(5200 + i).padStart(6, '0')))));
  assert.equal(new Set(peer.received.map((r) => r.socket)).size, 1);
  assert.equal(one.stats().connected, 1);
  await three.connect();
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 30 }, (_, i) => three.request(purchase(String(6000 + round * 100 + i).padStart(6, '0')))));
  }
  assert.equal(three.stats().connected, 3);
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
  const peer = await startPeer((r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 10));
  const exclusive = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 0, max: 2, idleTimeout: 60 } });
  const multiplex = createConnector({ name: 'm', host: '127.0.0.1', port: peer.port, pool: { min: 1, max: 3, idleTimeout: 60 } });
  t.after(async () => {
    await exclusive.destroy();
    await multiplex.destroy();
    await peer.close();
  });
  await Promise.all([exclusive.request(purchase('005401')), exclusive.request(purchase('005402'))]);
  assert.equal(exclusive.stats().connected, 2);
  await multiplex.connect();
  for (let round = 0; round < 3 && multiplex.stats().connected < 2; round++) {
    await Promise.all(Array.from({ length: 20 }, (_, i) => multiplex.request(purchase(String(5500 + round * 100 + i).padStart(6, '0')))));
  }
  assert.ok(multiplex.stats().connected >= 2);
  const closedBoth = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (exclusive.stats().connected === 0 && multiplex.stats().connected === 1) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  await closedBoth;
  // The kept connection still works.
  assert.equal((await multiplex.request(purchase('005499')))['39'], '00');
});
