import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** Opens `count` plain sockets that never send a byte, `batch` connects at a time. */
async function silentSockets(port: number, count: number, batch = 100): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += batch) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => rawConnect(port)))));
  }
  return sockets;
}

test('first message – a connection that sends nothing is closed after firstMessageTimeout, and counted', async (t) => {
  // Long enough for the talking client's first message to arrive first on a loaded machine (the silent one waits it out).
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, firstMessageTimeout: 2000 });
  const talking = await TestClient.connect(port);
  t.after(() => talking.destroy());
  assert.equal((await talking.request(purchase(1))).fields['39'], '00');
  const silent = await rawConnect(port);
  t.after(() => silent.destroy());
  await within(closedBy(silent), 10000, 'the silent connection is closed by the first-message timeout');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT, 1);
  // The talking client's deadline (armed before the silent one's) has passed too: it was cleared by its message.
  assert.equal((await talking.request(purchase(2))).fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT, 1);
});

test('first message – a half-sent frame does not count: the connection is closed at the deadline', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, firstMessageTimeout: 150, readTimeout: 0 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const frame = client.frame(purchase(3));
  client.write(frame.subarray(0, frame.length - 5));
  await within(client.closed, 10000, 'the connection with a half-sent first frame is closed');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT, 1);
  assert.equal(endpoint.stats().messages, 0);
});

test('connection cap – 2,000 silent sockets on 1,000 slots: the oldest silent ones make room, a terminal is served', async (t) => {
  // Every client here is 127.0.0.1: the listener's cap is what is tested (per-address.test.ts tests the share).
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 1000, maxConnectionsPerAddress: 1000, firstMessageTimeout: 0 });
  const silent = await silentSockets(port, 2000);
  t.after(() => {
    for (const socket of silent) socket.destroy();
  });
  const terminal = await TestClient.connect(port);
  t.after(() => terminal.destroy());
  assert.equal((await terminal.request(purchase(4))).fields['39'], '00');
  // Oldest first: the first 1,001 sockets made room for the 1,000 after them and for the terminal.
  await within(Promise.all(silent.slice(0, 1001).map(closedBy)), 20000, 'the 1,001 oldest silent sockets are closed');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, 1001);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, undefined);
  assert.ok(silent.slice(1001).every((s) => !s.closed), 'the 999 newest silent sockets are still open');
});

test('connection cap – when every connection held has sent a message, one more is refused as before', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 2 });
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  assert.equal((await a.request(purchase(5))).fields['39'], '00');
  assert.equal((await b.request(purchase(6))).fields['39'], '00');
  const c = await rawConnect(port);
  await within(closedBy(c), 10000, 'the third connection is refused');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, 1);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, undefined);
  assert.equal((await a.request(purchase(7))).fields['39'], '00');
});

test('connection cap – a silent connection is evicted before one that has spoken, whatever their age', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 2, firstMessageTimeout: 0 });
  const old = await TestClient.connect(port);
  t.after(() => old.destroy());
  assert.equal((await old.request(purchase(8))).fields['39'], '00');
  const silent = await rawConnect(port);
  const terminal = await TestClient.connect(port);
  t.after(() => terminal.destroy());
  await within(closedBy(silent), 10000, 'the silent connection is evicted');
  assert.equal((await terminal.request(purchase(9))).fields['39'], '00');
  assert.equal((await old.request(purchase(10))).fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, 1);
});

test('connection cap – a flood of refused connections writes at most 20 warnings a second; every one is counted', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 1, logger: logs.logger });
  const held = await TestClient.connect(port);
  t.after(() => held.destroy());
  assert.equal((await held.request(purchase(11))).fields['39'], '00');
  const started = performance.now();
  for (let i = 0; i < 6; i++) await Promise.all((await silentSockets(port, 50)).map(closedBy));
  const seconds = Math.ceil((performance.now() - started) / 1000);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, 300);
  const lines = logs.text().split('\n').filter((l) => l.includes('ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS'));
  const suppressed = lines.reduce((sum, l) => sum + ((JSON.parse(l) as { suppressed?: number }).suppressed ?? 0), 0);
  assert.ok(lines.length <= 20 * (seconds + 1), `${lines.length} warnings in ${seconds} s`);
  assert.ok(lines.length + suppressed <= 300);
});
