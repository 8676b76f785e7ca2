/**
 * The HTTP connection cap (src/http/connection-cap.ts) on a real Node HTTP server and real sockets: a burst of new
 * clients at the cap, accepted before any of their requests is read, makes room among the connections that can give
 * way (here two whose requests stall mid-body) and not among themselves. A connection just accepted has sent no
 * request yet, so it looked idle, and each newcomer closed the one accepted before it: of two clients, one got a
 * closed connection and no answer, while the stalled ones stayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { midRequest, rawHttp, readUntil, within } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';

const DEADLINE = 10_000;

test('a burst of new connections at the cap closes the stalled ones to make room, not each other', async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.end('ok'));
  });
  const cap = capConnections(server, 2, {}, 2);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The cap held by two requests whose bodies never come (a head, then nothing).
  const stalled = [await midRequest(port, 100), await midRequest(port, 100)];
  // Two clients at once, each with its request: both accepted in one turn of the server's loop, before either is read.
  const burst = [rawHttp(port), rawHttp(port)];
  try {
    for (const c of burst) c.socket.write(`GET /pay HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    for (const [i, c] of burst.entries()) await within(readUntil(c, /^HTTP\/1\.1 200 [\s\S]*ok/), DEADLINE, `client ${i} of the burst was not answered`);
    await within(Promise.all(stalled.map((c) => c.closed)), DEADLINE, 'the stalled connections were not closed to make room');
    assert.equal(cap.evicted, 2);
    assert.equal(cap.refused, 0);
  } finally {
    for (const c of [...stalled, ...burst]) c.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
