/**
 * The bound on pipelined requests (src/http/pipeline-cap.ts) on a real Node HTTP server and real sockets: a connection
 * that writes thousands of requests at once has at most MAX_PIPELINED of them at the routes; another connection is
 * answered meanwhile; every pipelined request is still answered, in order, once the routes let them go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
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
    await within(readUntil(flood, new RegExp(`#${FLOOD - 1};`)), DEADLINE, 'the last pipelined request was not answered');
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
    await within(readUntil(flood, new RegExp(`#${count - 1};`)), DEADLINE, 'every pipelined request answered');
    assert.equal(parsed, count);
    // One read of 64 KB is parsed whole before the parser pauses: its requests wait; a second read's is one too many.
    assert.ok(mostWaiting <= oneRead + MAX_PIPELINED, `${mostWaiting} requests waited at once (one read holds ${oneRead})`);
  } finally {
    flood.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a request held back whose body is still arriving is read whole while the earlier ones run (else Node answered it 408 and closed the connection)', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((req, res) => {
    req.resume();
    void bank.then(() => res.end(`#${req.url!.slice(1)};`));
  });
  capServerPipelining(server, 2);
  // Every request parsed, as Node hands it over (before the bound's handler): the third is held back.
  const parsed = new Map<string, IncomingMessage>();
  let headOfThird: () => void = () => undefined;
  const third = new Promise<void>((resolve) => (headOfThird = resolve));
  server.prependListener('request', (req: IncomingMessage) => {
    parsed.set(req.url!, req);
    if (req.url === '/3') headOfThird();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = rawHttp(port);
  try {
    const post = (n: number, body: string): string => `POST /${n} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // Two requests the routes hold, and the head of a third with half its body: the rest comes once it is parsed.
    client.socket.write(post(1, 'aaaa') + post(2, 'bbbb') + 'POST /3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\ncc');
    await within(third, DEADLINE, 'the third request was not parsed');
    client.socket.write('cc');
    await waitUntil(() => parsed.get('/3')?.complete === true, { what: 'the body of the request held back to arrive while the first two are at their routes' });
    release();
    await within(readUntil(client, /#3;/), DEADLINE, 'the third request was not answered');
    assert.deepEqual([...client.text().matchAll(/#(\d);/g)].map((m) => m[1]), ['1', '2', '3']);
  } finally {
    release();
    client.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a request held back and still arriving is read on only while a few times MAX_PIPELINED wait: a client cutting every write in a body is paused', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((req, res) => {
    req.resume();
    void bank.then(() => res.end('#;'));
  });
  capServerPipelining(server);
  let cutParsed: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => (cutParsed = resolve));
  server.prependListener('request', (req: IncomingMessage) => {
    if (req.url === '/cut') cutParsed();
  });
  let accepted: Socket | undefined;
  server.on('connection', (socket: Socket) => (accepted = socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = rawHttp(port);
  try {
    const post = (path: string): string => `POST /${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789`;
    // Six times the bound of whole requests, then one cut in its body (its rest never comes).
    const whole = Array.from({ length: 6 * MAX_PIPELINED }, (_, i) => post(String(i))).join('');
    client.socket.write(whole + post('cut').slice(0, -5));
    await within(cut, DEADLINE, 'the cut request was not parsed');
    // The bound's look at the last request waiting runs in a turn asked for before this one.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal((accepted as Socket & { _paused?: boolean })._paused, true, 'the connection is read on behind 160 requests waiting');
  } finally {
    release();
    client.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
