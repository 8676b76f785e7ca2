import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns, waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, gate, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';
import { readEnds, watchListenerReads } from './support/listener-reads.js';

/** The endpoint is still up: a new client gets its reply. */
async function stillAnswers(port: number, stan: number): Promise<void> {
  const client = await TestClient.connect(port);
  try {
    assert.equal((await client.request(purchase(stan))).fields['11'], String(stan).padStart(6, '0'));
  } finally {
    client.destroy();
  }
}

test('robustness – a slow client (one byte every 20 ms) is cut by the read timeout; others are served meanwhile', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, readTimeout: 150 });
  const slow = await TestClient.connect(port);
  t.after(() => slow.destroy());
  const bytes = slow.frame(purchase(1));
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < bytes.length && !slow.socket.destroyed) slow.write(bytes.subarray(sent, ++sent));
  }, 20);
  t.after(() => clearInterval(timer));
  await stillAnswers(port, 2);
  await slow.closed;
  clearInterval(timer);
  assert.ok(sent < bytes.length, 'cut before the frame was complete');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_READ_TIMEOUT, 1);
  await stillAnswers(port, 3);
});

test('robustness – a client that sends a frame slowly but within the read timeout is answered', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll, readTimeout: 5000 });
  const reads = watchListenerReads(t, port);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const listener = reads(client.socket);
  const bytes = client.frame(purchase(4));
  const pieceEnds: number[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    client.write(bytes.subarray(i, i + 8));
    pieceEnds.push(Math.min(i + 8, bytes.length));
    // The next 8 bytes leave once the listener has read these: a read of their own.
    await listener.reached(pieceEnds.at(-1)!, `the frame up to byte ${pieceEnds.at(-1)!}`);
  }
  assert.equal((await within(client.reply(), 10_000, 'the reply to the slow frame')).fields['11'], '000004');
  assert.deepEqual(readEnds(listener.chunks), pieceEnds, 'the listener read the frame 8 bytes at a time');
});

test('robustness – a length header over maxFrameSize closes the connection before the body is read', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxFrameSize: 1024 });
  const socket = await rawConnect(port);
  socket.write(Buffer.from([0xff, 0xff, 0x30, 0x32]));
  await closedBy(socket);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING, 1);
  await stillAnswers(port, 5);
});

test('robustness – garbage in an ascii4 length header closes the connection', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, frame: 'ascii4' });
  const socket = await rawConnect(port);
  socket.write('GET / HTTP/1.1\r\n\r\n');
  await closedBy(socket);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING, 1);
});

test('robustness – random bytes on many connections never take the listener down', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, readTimeout: 200, maxFrameSize: 4096 });
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
      const socket = await rawConnect(port);
      socket.on('data', () => undefined);
      const closed = closedBy(socket);
      socket.end(Buffer.from(bytes));
      await closed;
    }),
    propertyRuns(60, 1000),
  );
  await stillAnswers(port, 6);
  await waitUntil(() => endpoint.stats().connections === 0, { what: 'every connection to be gone' });
});

test('robustness – a client that resets its connection before its reply: the reply is dropped and counted', async (t) => {
  const entered = gate();
  const release = gate();
  const answered = gate();
  const sequence: Sequence = async (m) => {
    if (m.fields['11'] === '000007') {
      entered.open();
      await release.promise;
      setImmediate(() => answered.open());
    }
    return approveAll(m, {} as never);
  };
  const { port, endpoint } = await startEndpoint(t, { sequence });
  const disconnected = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  const leaving = await TestClient.connect(port);
  leaving.send(purchase(7));
  await entered.promise;
  leaving.socket.resetAndDestroy();
  await disconnected;
  release.open();
  await answered.promise;
  assert.equal(endpoint.stats().inFlight, 0);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLIENT_GONE, 1);
  assert.equal(endpoint.stats().replies, 0);
  await stillAnswers(port, 8);
});

test('robustness – a client that closes before its reply: the endpoint answers into the void, then closes', async (t) => {
  const entered = gate();
  const release = gate();
  const logs = captureLogs();
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: async (m) => {
      entered.open();
      await release.promise;
      return approveAll(m, {} as never);
    },
  });
  const disconnected = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  const leaving = await TestClient.connect(port);
  leaving.send(purchase(11));
  await entered.promise;
  leaving.socket.end();
  await logs.waitFor(/the client half-closed/);
  assert.equal(endpoint.stats().connections, 1, 'the half-closed connection waits for its reply');
  release.open();
  await leaving.closed;
  await disconnected;
  assert.equal(endpoint.stats().inFlight, 0);
  assert.equal(endpoint.stats().replies, 1, 'the reply was written before the endpoint ended its side');
  await stillAnswers(port, 12);
});

test('robustness – a client that half-closes after its request still gets the reply', async (t) => {
  const logs = captureLogs();
  const { port } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: async (m) => {
      // The reply is made only once the endpoint has seen the client's half-close.
      await logs.waitFor(/the client half-closed/);
      return approveAll(m, {} as never);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(9));
  client.socket.end();
  assert.equal((await client.reply()).fields['11'], '000009');
  await client.closed;
});

test('robustness – a client that never reads its replies is paused, not buffered without bound', async (t) => {
  const logs = captureLogs();
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m) => ({ ...approveAll(m, {} as never) as object, 48: 'X'.repeat(990) }),
  });
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  socket.pause();
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const frame = client.frame(purchase(1));
  // Far more replies than the socket buffers can hold: the endpoint must stop reading this client.
  const burst = Buffer.concat(Array.from({ length: 500 }, () => frame));
  for (let i = 0; i < 40; i++) socket.write(burst);
  // The endpoint reports when the client's socket stops taking replies and it stops reading that client.
  await logs.waitFor(/not reading its replies: reading paused/);
  const taken = endpoint.stats().messages;
  assert.ok(taken < 20000, `reading stopped (${taken} of 20000 requests taken)`);
  assert.ok(endpoint.stats().inFlight <= 64);
  await stillAnswers(port, 10);
});

test('limits – maxConnections: one more is closed at accept, and counted', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxConnections: 2 });
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  t.after(() => { a.destroy(); b.destroy(); });
  // Both have spoken: neither may be evicted to make room.
  assert.equal((await a.request(purchase(100))).fields['39'], '00');
  assert.equal((await b.request(purchase(101))).fields['39'], '00');
  const c = await rawConnect(port);
  await closedBy(c);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, 1);
  assert.equal((await a.request(purchase(1))).fields['39'], '00');
  a.destroy();
  await waitUntil(() => endpoint.stats().connections === 1, { what: 'one connection' });
  await stillAnswers(port, 2);
});

test('limits – an address outside the allow-list is closed at accept', async (t) => {
  const refused = await startEndpoint(t, { sequence: approveAll, allow: ['10.0.0.0/8'] });
  const socket = await rawConnect(refused.port);
  await closedBy(socket);
  assert.equal(refused.endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_NOT_ALLOWED, 1);
  assert.equal(refused.endpoint.stats().totalConnections, 0);
  const allowed = await startEndpoint(t, { sequence: approveAll, allow: ['10.0.0.0/8', '127.0.0.0/8'] });
  await stillAnswers(allowed.port, 3);
});

test('limits – an idle connection is closed after idleTimeout, a busy one is not', async (t) => {
  const entered = gate();
  const idleClosed = gate();
  const { port, endpoint } = await startEndpoint(t, {
    idleTimeout: 80,
    sequence: async (m) => {
      entered.open();
      // Busy for longer than the idle timeout: until the idle connection, opened after this one, has been closed.
      await idleClosed.promise;
      return approveAll(m, {} as never);
    },
  });
  const busy = await TestClient.connect(port);
  t.after(() => busy.destroy());
  busy.send(purchase(4));
  await entered.promise;
  const idle = await TestClient.connect(port);
  await idle.closed;
  idleClosed.open();
  assert.equal((await busy.reply()).fields['11'], '000004');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_IDLE_TIMEOUT, 1);
});
