// A connection that dies fails its pending requests at once with a coded error, and the connector reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('the host closing mid-flight fails every pending request with CONNECTION_LOST; none leaks', async (t) => {
  const peer = await startPeer((r) => {
    if (r.message['11'] === '001003') r.socket.destroy();
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 60_000 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const outcomes = await Promise.allSettled(['001001', '001002', '001003'].map((s) => connector.request(purchase(s))));
  for (const o of outcomes) {
    assert.equal(o.status, 'rejected');
    assert.equal((o as PromiseRejectedResult).reason.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
    assert.doesNotMatch(String((o as PromiseRejectedResult).reason.message), /4111111111111111/);
  }
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().errors, 3);
});

test('after the host drops the connection, the connector reconnects and the next request succeeds', async (t) => {
  let dropped = false;
  const peer = await startPeer((r, p) => {
    if (!dropped) {
      dropped = true;
      r.socket.destroy();
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reconnect: { initialDelay: 10, maxDelay: 50 } });
  const disconnects: unknown[] = [];
  let connects = 0;
  connector.on('disconnect', (e) => disconnects.push(e));
  connector.on('connect', () => (connects += 1));
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.request(purchase('001101')), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  // The next request waits for the new connection.
  const response = await connector.request(purchase('001102'));
  assert.equal(response['39'], '00');
  assert.equal(disconnects.length, 1);
  assert.equal(connects, 2);
  assert.equal(connector.stats().reconnects, 1);
});

test('a refused connection fails the request fast with CONNECT_FAILED', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const connector = createConnector({ host: '127.0.0.1', port, pool: { acquireTimeout: 60_000 } });
  t.after(() => connector.destroy());
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  await assert.rejects(connector.request(purchase('001201')), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  assert.equal(connector.stats().inFlight, 0);
});

test('a host that never answers: the request times out and nothing stays pending', async (t) => {
  const peer = await startPeer(() => undefined);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 50 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const outcomes = await Promise.allSettled(['001301', '001302'].map((s) => connector.request(purchase(s))));
  assert.deepEqual(outcomes.map((o) => (o as PromiseRejectedResult).reason.code), [
    'ISO8583_ERR_CONNECTOR_TIMEOUT',
    'ISO8583_ERR_CONNECTOR_TIMEOUT',
  ]);
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().timeouts, 2);
});

test('broken framing from the host (a length beyond the maximum) closes the connection and fails its requests', async (t) => {
  const peer = await startPeer((r) => r.socket.write(Buffer.from([0xff, 0xff, 0x30])));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, maxFrameSize: 4096 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.request(purchase('001401')), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  assert.equal(connector.stats().inFlight, 0);
});

test('every request ends in exactly one outcome under a mix of answers, silence and a drop', async (t) => {
  let n = 0;
  const peer = await startPeer((r, p) => {
    n += 1;
    if (n % 3 === 0) return; // never answered
    if (n === 20) {
      r.socket.destroy();
      return;
    }
    setTimeout(() => p.send(r.socket, answer(r.message)), n % 5);
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 200, reconnect: { initialDelay: 5, maxDelay: 20 } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  let settled = 0;
  const all = Array.from({ length: 40 }, (_, i) =>
    connector.request(purchase(String(2000 + i).padStart(6, '0'))).then(
      () => (settled += 1),
      () => (settled += 1),
    ),
  );
  await Promise.all(all);
  assert.equal(settled, 40);
  const s = connector.stats();
  assert.equal(s.responses + s.timeouts + s.errors, 40);
  assert.equal(s.inFlight, 0);
  assert.equal(s.pending, 0);
});
