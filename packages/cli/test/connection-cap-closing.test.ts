/**
 * The connections the HTTP connection cap lets go (src/http/connection-cap.ts), on a real Node HTTP server and real
 * sockets: each refused one is answered 503 and lingers for its client to read it (request-deadline.ts), and a client
 * that never closes its own side used to hold a descriptor for each, beyond the cap, for the whole linger. At most as
 * many as the cap now linger at once, the oldest closed beyond that; the connections held are not touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { readUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';
import { capAnswers } from '../src/http/request-deadline.js';

const DEADLINE = 10_000;

/** A raw client that keeps its side open after the server ends its own (`allowHalfOpen`), and never closes it. */
function halfOpen(port: number): RawHttp {
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  return { socket, text: () => text, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
}

test('connections refused at the cap linger at most as many as the cap: the oldest is closed beyond that, the ones held are kept', async () => {
  const server = createServer();
  const MAX = 2;
  const cap = capConnections(server, MAX, capAnswers(server));
  let running = 0;
  let allRunning: () => void = () => undefined;
  const busy = new Promise<void>((resolve) => (allRunning = resolve));
  // A payment at the bank on every connection held: a new one is refused.
  server.on('request', (req) => {
    req.resume();
    if (++running === MAX) allRunning();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const clients: RawHttp[] = [];
  try {
    for (let i = 0; i < MAX; i++) {
      const conn = halfOpen(port);
      clients.push(conn);
      conn.socket.write(`GET /pay HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    }
    await within(busy, DEADLINE, 'the payments did not reach their route');
    const held = (): Promise<number> => new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    for (let i = 0; i < 10; i++) {
      const conn = halfOpen(port);
      clients.push(conn);
      await within(readUntil(conn, /^HTTP\/1\.1 503 [\s\S]*ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS/), DEADLINE, `refused connection ${i} read no 503`);
      // Each lingers up to 2 s, its client never closing: without a bound of their own, they were all still held.
      const count = await held();
      assert.ok(count <= 2 * MAX, `after ${i + 1} refused, the server holds ${count} sockets: more than the cap and as many closing (${2 * MAX})`);
    }
    assert.equal(cap.refused, 10);
    assert.ok(cap.closing <= MAX, `${cap.closing} refused connections closing, more than the cap (${MAX})`);
    assert.equal(cap.held, MAX, 'a connection held was closed');
    assert.equal(running, MAX);
  } finally {
    for (const c of clients) c.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
