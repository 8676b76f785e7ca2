/**
 * The bound on pipelined requests (src/http/pipeline-cap.ts) on a real Node HTTP server and real sockets: a connection
 * that writes thousands of requests at once has at most MAX_PIPELINED of them at the routes; another connection is
 * answered meanwhile; every pipelined request is still answered, in order, once the routes let them go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { MAX_PIPELINED, capServerPipelining } from '../src/http/pipeline-cap.js';

const DEADLINE = 20_000;
const FLOOD = 5_000;

test('a connection pipelining 5,000 requests has at most MAX_PIPELINED at the routes; another client is answered meanwhile; all are answered in order', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  let entered = 0;
  let firstEntered: () => void = () => undefined;
  const floodAtRoutes = new Promise<void>((resolve) => (firstEntered = resolve));
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/quick') {
      res.end('quick');
      return;
    }
    // A flood request: held at its route (a payment at the bank) until the test lets them all go.
    if (++entered === 1) firstEntered();
    const n = req.url!.slice(1);
    void bank.then(() => res.end(`#${n};`));
  });
  capServerPipelining(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const flood = rawHttp(port);
  const other = rawHttp(port);
  try {
    const requests = Array.from({ length: FLOOD }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join('');
    flood.socket.write(requests);
    await within(floodAtRoutes, DEADLINE, 'no flood request reached its route');
    other.socket.write('GET /quick HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await within(readUntil(other, /^HTTP\/1\.1 200 [\s\S]*quick/), DEADLINE, 'the other client was not answered while the flood waited');
    assert.ok(entered <= MAX_PIPELINED, `${entered} requests of one connection at the routes at once (at most ${MAX_PIPELINED})`);
    assert.equal(flood.text(), '', 'nothing answered to the flood yet');
    release();
    await within(readUntil(flood, `#${FLOOD - 1};`), DEADLINE, 'the last pipelined request was not answered');
    const order = [...flood.text().matchAll(/#(\d+);/g)].map((m) => Number(m[1]));
    assert.equal(order.length, FLOOD);
    assert.ok(order.every((n, i) => n === i), 'the answers came out of order');
  } finally {
    release();
    flood.socket.destroy();
    other.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a client that reads its answers cannot have its whole flood parsed and queued: at most about one read of the socket waits', async () => {
  // Answered at once: every answer queued behind the first makes Node's HTTP server read the socket again on its own
  // (its drain), which once let the whole flood in while the bound thought it paused (49,000 of 50,000 waiting).
  const server = createServer((req, res) => {
    handed++;
    req.resume();
    res.end(`#${req.url!.slice(1)};`);
  });
  let parsed = 0;
  let handed = 0;
  let mostWaiting = 0;
  capServerPipelining(server);
  // Before the bound's handler: a request parsed and not handed on yet is one waiting in the bound's queue.
  server.prependListener('request', () => {
    parsed++;
    mostWaiting = Math.max(mostWaiting, parsed - handed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const flood = rawHttp(port);
  try {
    const count = 20_000;
    const requests = Array.from({ length: count }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const oneRead = Math.ceil((64 * 1024) / (requests[0] as string).length);
    flood.socket.write(requests.join(''));
    await within(readUntil(flood, `#${count - 1};`), DEADLINE, 'every pipelined request answered');
    assert.equal(parsed, count);
    // One read of 64 KB is parsed whole before the parser pauses: its requests wait; a second read's is one too many.
    assert.ok(mostWaiting <= oneRead + MAX_PIPELINED, `${mostWaiting} requests waited at once (one read holds ${oneRead})`);
  } finally {
    flood.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a connection held behind a slow route is not read on when Node writes the queued answers of the others (it resumes what it paused)', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  let parsed = 0;
  let answered = 0;
  let othersAnswered: () => void = () => undefined;
  const allAnswered = new Promise<void>((resolve) => (othersAnswered = resolve));
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/quick') {
      res.end('quick');
      return;
    }
    // The first request waits at the bank; the others are answered a turn later: queued behind it, which is when
    // Node's HTTP server resumes a connection it had paused.
    if (req.url === '/0') void bank.then(() => res.end('#0;'));
    else
      setImmediate(() => {
        res.end(`${req.url};`);
        if (++answered === MAX_PIPELINED - 1) othersAnswered();
      });
  });
  capServerPipelining(server);
  server.on('request', () => parsed++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const flood = rawHttp(port);
  try {
    flood.socket.write(Array.from({ length: FLOOD * 4 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
    await within(allAnswered, DEADLINE, 'the routes behind the first did not all answer');
    const first = parsed;
    // Many turns of the server's loop (each a round trip on another connection): a connection read on meanwhile
    // would have its whole flood parsed by then.
    for (let i = 0; i < 50; i++) {
      const other = rawHttp(port);
      other.socket.write('GET /quick HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await within(readUntil(other, /quick/), DEADLINE, 'the other client was not answered');
      other.socket.destroy();
    }
    assert.equal(parsed - 50, first, `the held connection was read on: ${first} requests parsed, then ${parsed - 50}`);
    assert.ok(first < FLOOD * 4, `the whole flood was parsed while its first request waited (${first})`);
    release();
    await within(readUntil(flood, `/${FLOOD * 4 - 1};`), DEADLINE, 'the last pipelined request was not answered');
  } finally {
    release();
    flood.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
