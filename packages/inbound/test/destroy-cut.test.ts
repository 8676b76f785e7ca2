// A destroyed connection's socket is read out before it closes (MessageStream.destroy: no reset of what the kernel
// took), waiting for the client's end or 500 ms of quiet (10 s for a client trickling bytes). The endpoint's destroy,
// a close past its deadline and an eviction of a silent connection cut that read-out short (MessageStream.cut): before,
// destroy() of an endpoint with one client that never reads resolved 500 ms late (the gateway's abort had destroyed
// its connectors by then, the reversals of the replies cut refused), and an evicted socket lived on outside
// maxConnections. Each wait here is bounded far below 500 ms; the order is told by events. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { eventWithin, waitUntil, within } from '@iso8583/test-support';
import type { DisconnectInfo, InboundEndpoint } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate, rawConnect } from './support/gates.js';

/** A client that sent one request (answered, its reply left unread in its socket) and reads nothing more. */
async function nonReadingClient(port: number, endpoint: InboundEndpoint): Promise<Socket> {
  const framer = await TestClient.connect(port);
  const frame = framer.frame(purchase(1));
  framer.destroy();
  const socket = await rawConnect(port);
  socket.pause();
  socket.write(frame);
  await waitUntil(() => endpoint.stats().replies === 1, { timeoutMs: 10_000, what: 'the reply to be written' });
  return socket;
}

test('destroy cut – destroy() with a client that never reads resolves at once, not after the 500 ms quiet wait', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const socket = await nonReadingClient(port, endpoint);
  t.after(() => socket.destroy());
  await within(endpoint.destroy(), 400, 'destroy() waited for the read-out of a client that never reads');
  assert.equal(endpoint.stats().connections, 0);
});

test('destroy cut – a close past its deadline cuts the read-out of a client that never reads', async (t) => {
  const held = gate();
  const { port, endpoint } = await startEndpoint(t, {
    sequence: async (m, c) => (m.fields['11'] === '000002' ? (await held.promise, approveAll(m, c)) : approveAll(m, c)),
    onLateResult: () => undefined,
  });
  t.after(() => held.open());
  const socket = await nonReadingClient(port, endpoint);
  t.after(() => socket.destroy());
  const framer = await TestClient.connect(port);
  socket.write(framer.frame(purchase(2)));
  framer.destroy();
  await waitUntil(() => endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'the second request started' });
  await within(endpoint.close({ deadline: 50 }), 450, 'the close waited for the read-out past its deadline');
});

test('destroy cut – an evicted silent connection closes at once (its fd never held past maxConnections)', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 2 });
  const sockets: Socket[] = [];
  const ports: Array<number | undefined> = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  for (let i = 0; i < 2; i++) {
    const s = await rawConnect(port);
    s.pause(); // never reads: never sees the server's FIN, never ends
    sockets.push(s);
    ports.push(s.localPort); // read now: a socket reset by the eviction has none
  }
  await waitUntil(() => endpoint.stats().connections === 2, { timeoutMs: 10_000, what: 'two connections open' });
  const evicted = eventWithin<DisconnectInfo>(400, 'the evicted connection did not close within 400 ms', (resolve) => {
    endpoint.on('disconnect', (info) => resolve(info));
  });
  const third = await rawConnect(port);
  sockets.push(third);
  const info = await evicted;
  assert.equal(info.code, 'ISO8583_ERR_INBOUND_EVICTED');
  assert.equal(info.remotePort, ports[0], 'the oldest silent one gave way');
  assert.ok(endpoint.stats().connections <= 2, 'never more than maxConnections open');
});
