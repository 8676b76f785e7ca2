/**
 * The request bound of a connection the pipelining bound held unread (src/http/held-deadline.ts), on a real Fastify
 * server with the port's own pieces (capServerPipelining, boundRequests, answerClientError) and a raw client: a
 * request pipelined behind a route slower than the bound, whose body was sent in good time, is served once its turn
 * comes (not answered 408 with the slow route's answer cut); one whose body never comes is answered 408 a whole bound
 * after its connection is read again, and its route never runs. Each test has its own port and clients, and waits for
 * events and bounds of its own: they run side by side (each waits about 2 s for a bound; one after another they took 9 s).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { MIN_REQUEST_DEADLINE } from '../src/http/request-deadline.js';
import { BODY, post, slowRoutePort } from './slow-route-port.js';

const DEADLINE = 20_000;

describe('the request bound of a connection held behind a slow route', { concurrency: true }, () => {
  test('a request held behind a route slower than the bound, its body sent in good time, is served when its turn comes', async () => {
    const p = await slowRoutePort(1);
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.entered, DEADLINE, '/slow never ran');
      // Sent now, in good time, but not read: the connection waits for /slow.
      conn.socket.write(BODY.slice(4));
      await within(p.lateFound, DEADLINE, 'Node never found the held request late');
      assert.equal(conn.socket.destroyed, false, 'the connection was closed while /slow ran');
      p.release();
      await within(readUntil(conn, /"slow":true[\s\S]*HTTP\/1\.1 200 [\s\S]*"paid":true/), DEADLINE, 'the held request was not served');
      assert.doesNotMatch(conn.text(), / 408 /);
      assert.equal(p.payRan(), 1);
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('a request held behind a slow route whose body never comes is answered 408 a bound after its turn, and its route never runs', async () => {
    const p = await slowRoutePort(1);
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.lateFound, DEADLINE, 'Node never found the held request late');
      assert.equal(conn.socket.destroyed, false, 'the connection was closed while /slow ran');
      const turn = Date.now();
      p.release();
      await within(conn.closed, DEADLINE, 'the request that never arrived whole was never answered');
      assert.ok(Date.now() - turn >= MIN_REQUEST_DEADLINE - 50, `closed ${Date.now() - turn} ms after its turn, before its bound`);
      assert.match(conn.text(), /"slow":true[\s\S]*HTTP\/1\.1 408 [\s\S]*"ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT"/);
      assert.equal(p.payRan(), 0, 'the route of a request that never arrived ran');
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('once the server closes, a connection held unread behind a running route is not cut with the stalled ones 2 s later: the running route\'s answer is written', async () => {
    const p = await slowRoutePort(1);
    const held = rawHttp(p.port);
    const stalled = rawHttp(p.port);
    try {
      held.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.entered, DEADLINE, '/slow never ran');
      held.socket.write(BODY.slice(4));
      // A client stalled mid-body on its own, not held (its head at the route: 100 Continue): the close gives it 2 s, then 408.
      stalled.socket.write(`${post('/pay', BODY.length).replace('\r\n\r\n', '\r\nExpect: 100-continue\r\n\r\n')}${BODY.slice(0, 4)}`);
      await within(readUntil(stalled, /^HTTP\/1\.1 100 Continue/), DEADLINE, 'the stalled request did not reach the server');
      // A graceful stop: no new connection, /slow still running.
      const closed = p.stop();
      await within(stalled.closed, DEADLINE, 'the stalled request was not cut after the close');
      assert.match(stalled.text(), /HTTP\/1\.1 408 /);
      assert.equal(held.socket.destroyed, false, 'the connection held behind /slow was cut with the stalled one');
      p.release();
      // Its turn comes once the server is closing: Fastify refuses it (503) before any route, and /slow's answer is whole.
      await within(readUntil(held, /"slow":true[\s\S]*HTTP\/1\.1 503 /), DEADLINE, 'the held request was not answered');
      assert.equal(p.payRan(), 0);
      held.socket.destroy();
      await closed;
    } finally {
      held.socket.destroy();
      stalled.socket.destroy();
      await p.close();
    }
  });
});
