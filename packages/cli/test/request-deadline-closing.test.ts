/**
 * The bound on a request still arriving when its server closes (request-deadline.ts): 2 s more counted from the close,
 * not from a moment the server was merely not listening yet (a gateway builds its HTTP app before a journal that may
 * take seconds to open, then listens). Clocks mocked: `Date` and `setInterval` move only when the test says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { midRequest } from '@iso8583/test-support';
import { boundRequests } from '../src/http/request-deadline.js';

test('a request still arriving at the close gets 2 s from the close, even when the server listened late', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  let arrived: IncomingMessage | undefined;
  const server = createServer((req, res) => {
    arrived = req;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  boundRequests(server, 30_000);
  // The start takes 1.5 s before the server listens (a journal being opened).
  t.mock.timers.tick(1_500);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const conn = await midRequest((server.address() as AddressInfo).port, 10);
  t.after(() => conn.socket.destroy());
  assert.ok(arrived !== undefined, 'the request reached the server');
  // The request has been arriving for 2.5 s when the stop begins.
  t.mock.timers.tick(2_500);
  server.close();
  // (A mocked tick moves the clock to its end before the timers it passes run: a quarter of a second at a time.)
  for (let i = 0; i < 7; i++) t.mock.timers.tick(250);
  assert.equal(arrived.socket.writableEnded, false, 'the request was cut before its 2 s from the close (1.5 s after it)');
  t.mock.timers.tick(250);
  t.mock.timers.tick(250);
  assert.equal(arrived.socket.writableEnded, true, 'the request was not answered 2 s after the close');
  await conn.closed;
  assert.match(conn.text(), /HTTP\/1\.1 408 [\s\S]*ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT/);
});
