/**
 * The HTTP connection cap (src/http/connection-cap.ts) on a real Node HTTP server and real sockets: a connection with a
 * route running (a payment at the bank) is never closed for a new connection, even when a request pipelined behind it
 * is still arriving; the new one is refused instead, and the running request's answer reaches its client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';

const DEADLINE = 10_000;

test('a connection whose route is running is not dropped for a new one, though a request pipelined behind it is still arriving', async () => {
  const server = createServer();
  const cap = capConnections(server, 1);
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  let entered: () => void = () => undefined;
  const atBank = new Promise<void>((resolve) => (entered = resolve));
  let seen = 0;
  let second: () => void = () => undefined;
  const secondSeen = new Promise<void>((resolve) => (second = resolve));
  server.on('request', (req, res) => {
    seen++;
    if (seen === 2) second();
    req.resume();
    req.once('end', () => {
      // The first request: a payment waiting for the bank's answer.
      entered();
      void bank.then(() => res.end('approved'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
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
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
