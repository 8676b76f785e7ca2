/**
 * The HTTP connection cap's per-address share (src/http/connection-cap.ts) on a real Node HTTP server and real sockets
 * from two loopback addresses (127.0.0.1 and 127.0.0.2 are two peers): one address with a route running on every
 * connection of its share is refused one more (503 `ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS`), and a client of
 * another address still gets a connection and its answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';
import { capAnswers } from '../src/http/request-deadline.js';

const DEADLINE = 10_000;

test('one address holding its share with routes running is refused one more (503); another address is served', async () => {
  const server = createServer();
  const shed: string[] = [];
  // 10 connections: 9 for one address (the default share), the last one kept for the others.
  const cap = capConnections(server, 10, capAnswers(server, (what) => shed.push(what)));
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  let running = 0;
  let nineRunning: () => void = () => undefined;
  const allRunning = new Promise<void>((resolve) => (nineRunning = resolve));
  server.on('request', (req, res) => {
    req.resume();
    if (req.url === '/quick') {
      res.end('quick');
      return;
    }
    // A payment at the bank until the test releases it.
    if (++running === 9) nineRunning();
    void bank.then(() => res.end('approved'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  const mine: RawHttp[] = [];
  try {
    for (let i = 0; i < 9; i++) {
      const conn = rawHttp(port);
      mine.push(conn);
      conn.socket.write(request('/pay'));
    }
    await within(allRunning, DEADLINE, 'the nine payments did not reach their route');
    const over = rawHttp(port);
    mine.push(over);
    await readUntil(over, /^HTTP\/1\.1 503 [\s\S]*ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS/);
    assert.equal(cap.refusedFromAddress, 1);
    assert.equal(cap.refused, 0);
    assert.deepEqual(shed, ['refusedFromAddress']);
    const other = rawHttp(port, '127.0.0.1', '127.0.0.2');
    mine.push(other);
    other.socket.write(request('/quick'));
    await readUntil(other, /^HTTP\/1\.1 200 [\s\S]*quick/);
    assert.equal(cap.evicted, 0, 'no connection of the first address was closed for the other one');
    release();
    await within(Promise.all(mine.slice(0, 9).map((c) => readUntil(c, /approved/))), DEADLINE, 'the nine payments were not answered');
  } finally {
    release();
    for (const conn of mine) conn.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('at its share an address makes room among its own idle connections, never another address\'s', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  const cap = capConnections(server, 4, {}, 2);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const opened: RawHttp[] = [];
  const open = async (local?: string): Promise<RawHttp> => {
    const conn = rawHttp(port, '127.0.0.1', local);
    opened.push(conn);
    await new Promise<void>((resolve) => conn.socket.once('connect', () => resolve()));
    return conn;
  };
  try {
    const theirs = await open('127.0.0.2');
    const first = await open();
    const second = await open();
    const third = await open();
    await within(first.closed, DEADLINE, 'the oldest idle connection of 127.0.0.1 was not closed for its third');
    assert.equal(cap.evicted, 1);
    assert.equal(theirs.socket.destroyed, false, 'the idle connection of the other address was closed');
    assert.equal(second.socket.destroyed || third.socket.destroyed, false);
    assert.equal(cap.held, 3);
  } finally {
    for (const conn of opened) conn.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
