/**
 * A connection evicted at the HTTP connection cap with answers its client has not read (src/http/answered-close.ts)
 * lingers, and counts among those closing (src/http/connection-cap.ts). Beyond the cap of those closing, the oldest
 * whose answer was handed to the system was destroyed, else the oldest: an evicted one is not handed whole while its
 * client reads nothing, so the next refusal destroyed it within milliseconds, and a client still sending was reset and
 * lost its answers. It is now destroyed last. Real Node HTTP server, real sockets on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';

const DEADLINE = 10_000;
const BIG = Buffer.alloc(1024 * 1024, 'x');
const A_REQUESTS = 48;

test('a connection evicted with unread answers is not the one destroyed when a refusal takes the closing past the cap', async (t) => {
  const server = createServer();
  const sides = new Map<number, Socket>();
  server.on('connection', (s: Socket) => sides.set(s.remotePort!, s));
  // A refusal answered 503 and ended, not destroyed: it counts among those closing (as the port's lingering 503).
  capConnections(server, 1, { refuse: (s) => s.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n') });
  let requests = 0;
  const told: Array<() => void> = [];
  const counted = (n: number): Promise<void> => new Promise((resolve) => (requests >= n ? resolve() : told.push(() => requests >= n && resolve())));
  // `/slow` is at the bank until the test ends; any other answered at once with 1 MB (a non-reader's fill the buffers).
  server.on('request', (req, res) => {
    req.resume();
    requests++;
    for (const fn of told) fn();
    if (req.url !== '/slow') res.end(BIG);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const open = (): Socket => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    t.after(() => s.destroy());
    return s;
  };
  // A: 48 requests pipelined (48 MB of answers, more than the loopback's buffers hold), answered at once, none read.
  const a = open();
  a.pause();
  await new Promise((resolve) => a.once('connect', resolve));
  a.write(Array.from({ length: A_REQUESTS }, (_, n) => `GET /${n} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  await within(counted(A_REQUESTS), DEADLINE, 'the requests of A');
  // B evicts A (its answers all made, waiting for A to read them), then holds the slot with a payment at the bank.
  const b = open();
  await new Promise((resolve) => b.once('connect', resolve));
  b.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await within(counted(A_REQUESTS + 1), DEADLINE, 'the request of B');
  const sideA = sides.get(a.localPort!)!;
  assert.equal(sideA.destroyed, false, 'A is closing, lingering for its client to read');
  // C is refused (B is at the bank): two closing, over the cap of 1: one is destroyed at once.
  const c = open();
  c.resume();
  await within(new Promise((resolve) => c.once('close', resolve)), DEADLINE, 'C refused');
  assert.equal(sideA.destroyed, false, 'A, whose answers its client has not read, was destroyed for the refused C');
});
