/**
 * The close after a port's own answer (src/http/request-deadline.ts, `answer`), on a real Fastify server with the port's
 * own pieces (boundRequests, answerClientError) and a raw client: a request whose body never comes, behind a slow route,
 * is answered 408 once the slow answer is written, with the client's later bytes still unread on the connection. The
 * client reads nothing until the server has closed its side: it must then read both answers whole, not a reset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { fastify } from 'fastify';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { MIN_REQUEST_DEADLINE, answerClientError, boundRequests } from '../src/http/request-deadline.js';

const DEADLINE = 20_000;
const BODY = '{"amount":1000}';
/** The slow answer's padding: more than the client's receive buffer takes unread, so some is still at the server when it closes. */
const PAD = 1_000_000;

const post = (path: string, length: number): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

test('a 408 written on a connection with unread bytes from its client reaches the client whole', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let slowEntered: () => void = () => undefined;
  const entered = new Promise<void>((resolve) => (slowEntered = resolve));
  const app = fastify({ logger: false, clientErrorHandler: answerClientError });
  app.post('/slow', async () => {
    slowEntered();
    await gate;
    return { slow: true, pad: 'p'.repeat(PAD) };
  });
  app.post('/pay', async () => ({ paid: true }));
  await app.ready();
  boundRequests(app.server, MIN_REQUEST_DEADLINE);
  const timedOut = new Promise<void>((resolve) => {
    app.server.prependListener('clientError', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') resolve();
    });
  });
  const serverSide = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const conn = rawHttp((app.server.address() as AddressInfo).port);
  // The client reads nothing until the server has closed its side.
  conn.socket.pause();
  try {
    conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
    const socket = await within(serverSide, DEADLINE, 'no connection');
    const serverClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await within(entered, DEADLINE, '/slow never ran');
    await within(timedOut, DEADLINE, 'the /pay request never timed out');
    // Sent after the timeout: the connection is read no more, so these bytes stay unread at the server.
    await new Promise<void>((resolve, reject) => conn.socket.write('x'.repeat(4096), (err) => (err ? reject(err) : resolve())));
    release();
    await within(serverClosed, DEADLINE, 'the server never closed the connection');
    conn.socket.resume();
    await within(
      readUntil(conn, new RegExp(`"slow":true,"pad":"p{${PAD}}"}HTTP/1\\.1 408 [\\s\\S]*ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT[^}]*\\}\\}$`)),
      DEADLINE,
      'the client did not read the whole 408',
    );
  } finally {
    conn.socket.destroy();
    release();
    await app.close();
  }
  assert.match(conn.text(), /Connection: close/);
});
