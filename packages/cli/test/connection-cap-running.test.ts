/**
 * The HTTP connection cap (src/http/connection-cap.ts) on a real Node HTTP server and real sockets: a connection with a
 * route running (a payment at the bank) is never closed for a new connection, even when a request pipelined behind it
 * is still arriving; the new one is refused instead, and the running request's answer reaches its client. A stream
 * (`markStream`: a console event stream) is not such a route: its connection is closed for a new one, a request still
 * arriving behind it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';
import { markStream } from '../src/http/pipeline-cap.js';

const DEADLINE = 10_000;

/**
 * A real HTTP server capped at one connection, listening on 127.0.0.1, that resumes each request's body and hands the
 * request to `handle`; `secondSeen` resolves at its second request, `close()` ends its connections and closes it.
 */
async function cappedServer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer();
  const cap = capConnections(server, 1);
  let seen = 0;
  let second: () => void = () => undefined;
  const secondSeen = new Promise<void>((resolve) => (second = resolve));
  server.on('request', (req, res) => {
    seen++;
    if (seen === 2) second();
    req.resume();
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { cap, port, secondSeen, close };
}

test('a connection whose route is running is not dropped for a new one, though a request pipelined behind it is still arriving', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  let entered: () => void = () => undefined;
  const atBank = new Promise<void>((resolve) => (entered = resolve));
  const { cap, port, secondSeen, close } = await cappedServer((req, res) => {
    req.once('end', () => {
      // The first request: a payment waiting for the bank's answer.
      entered();
      void bank.then(() => res.end('approved'));
    });
  });
  const head = (length: number): string => `POST /pay HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${length}\r\n\r\n`;
  const client = rawHttp(port);
  try {
    // A whole request, then the head and part of the body of a second one on the same connection.
    client.socket.write(`${head(2)}{}${head(10)}{"a"`);
    await within(atBank, DEADLINE, 'the first request did not reach its route');
    await within(secondSeen, DEADLINE, 'the pipelined request was not seen');
    const newcomer = rawHttp(port);
    // One of the two goes: the newcomer (refused) or the connection held (closed to make room).
    await within(Promise.race([newcomer.closed, client.closed]), DEADLINE, 'the connection over the cap was neither refused nor made room for');
    assert.equal(cap.refused, 1, 'the new connection is refused, not made room for');
    assert.equal(cap.evicted, 0, 'no connection was closed for it');
    assert.equal(client.socket.destroyed, false, 'the connection whose route is running was closed');
    release();
    await readUntil(client, /^HTTP\/1\.1 200 [\s\S]*approved/);
  } finally {
    release();
    client.socket.destroy();
    await close();
  }
});

test('a connection holding a stream, with a request still arriving pipelined behind it, is closed for a new one', async () => {
  const { cap, port, secondSeen, close } = await cappedServer((req, res) => {
    if (req.url === '/events') {
      // A stream: it runs until its client goes.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      markStream(res);
      res.write('retry: 1000\n\n');
      return;
    }
    req.once('end', () => res.end('ok'));
  });
  const holder = rawHttp(port);
  try {
    // A stream, then the head and part of the body of a request that never comes whole.
    holder.socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\nPOST /pay HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 10\r\n\r\n{"a"`);
    await within(secondSeen, DEADLINE, 'the pipelined request was not seen');
    const newcomer = rawHttp(port);
    newcomer.socket.write(`POST /pay HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 2\r\n\r\n{}`);
    await within(holder.closed, DEADLINE, 'the connection holding a stream was not closed for the new one');
    await readUntil(newcomer, /^HTTP\/1\.1 200 [\s\S]*ok/);
    assert.equal(cap.refused, 0);
    assert.equal(cap.evicted, 1);
    newcomer.socket.destroy();
  } finally {
    holder.socket.destroy();
    await close();
  }
});
