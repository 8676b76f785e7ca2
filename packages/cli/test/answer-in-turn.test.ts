/**
 * The 408 of a request that did not arrive whole in time, on a connection whose earlier requests are still at the
 * routes (src/http/answer-in-turn.ts), on a real Fastify server with the port's own pieces (capServerPipelining,
 * boundRequests, answerClientError) and a raw client that pipelines: the 408 comes after the earlier answers, in
 * request order (written at once it was read as the answer to the first request, whose own answer was then cut),
 * the late request's route never runs even when its body comes meanwhile, and an earlier answer not written within the
 * bound has the connection closed with no 408 at all (never an answer out of order); bytes that are not HTTP are
 * answered 400 in their turn alike.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpCall, rawHttp, readUntil, within } from '@iso8583/test-support';
import { closeOwnAnswersBy } from '../src/http/own-answer-close.js';
import { MIN_REQUEST_DEADLINE } from '../src/http/request-deadline.js';
import { BODY, post, slowRoutePort } from './slow-route-port.js';

/** How long a wait may take before the test fails as hung: a deadline, never a timing. */
const HUNG = 20_000;

describe("a port's refusals in their turn (each test its own server: side by side, they wait on request bounds, not the CPU)", { concurrency: true }, () => {
  test('a request that times out behind a pending answer is answered 408 after that answer, in order, and its route never runs', async () => {
    const p = await slowRoutePort();
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.entered, HUNG, '/slow never ran');
      await within(p.lateFound, HUNG, 'Node never found the late request');
      // Its body comes now, too late: the connection is read no more, so its route does not run.
      conn.socket.write(BODY.slice(4));
      // A round trip on another connection: the server has had its turn to read what was written before it.
      const ping = await within(httpCall(p.port, 'GET', '/ping', {}), HUNG, 'another connection was not answered');
      assert.equal(ping.status, 200);
      assert.equal(p.payRan(), 0, 'the route of the request that did not arrive in time ran');
      p.release();
      await within(conn.closed, HUNG, 'the connection was never closed');
      const text = conn.text();
      assert.match(text, /^HTTP\/1\.1 200 [\s\S]*"slow":true[\s\S]*HTTP\/1\.1 408 [\s\S]*"ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT"/, `answers out of order: ${JSON.stringify(text)}`);
      assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 2, `one answer per request: ${JSON.stringify(text)}`);
      assert.equal(p.payRan(), 0, 'the route of the request that did not arrive in time ran');
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('two requests pending ahead: the 408 comes after both answers', async () => {
    const p = await slowRoutePort();
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.lateFound, HUNG, 'Node never found the late request');
      p.release();
      await within(conn.closed, HUNG, 'the connection was never closed');
      assert.match(conn.text(), /^HTTP\/1\.1 200 [\s\S]*"slow":true[\s\S]*HTTP\/1\.1 200 [\s\S]*"slow":true[\s\S]*HTTP\/1\.1 408 /, JSON.stringify(conn.text()));
      assert.equal(p.payRan(), 0);
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('an earlier answer still not written a bound after the request timed out: the connection is closed with no answer out of order', async () => {
    const p = await slowRoutePort();
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.lateFound, HUNG, 'Node never found the late request');
      const found = Date.now();
      // /slow is never released: its answer never comes.
      await within(conn.closed, HUNG, 'the connection was never closed');
      assert.ok(Date.now() - found >= MIN_REQUEST_DEADLINE - 50, `closed ${Date.now() - found} ms after the request timed out, before the bound`);
      assert.equal(conn.text(), '', 'an answer was written out of order');
      assert.equal(p.payRan(), 0);
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('a request that times out with no earlier answer owed is answered 408 at once, as before', async () => {
    const p = await slowRoutePort();
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/pay', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(readUntil(conn, /"paid":true/), HUNG, 'the first request was not answered');
      await within(p.lateFound, HUNG, 'Node never found the late request');
      await within(conn.closed, HUNG, 'the connection was never closed');
      assert.match(conn.text(), /"paid":true[\s\S]*HTTP\/1\.1 408 /);
      assert.equal(p.payRan(), 1);
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test('bytes that are not HTTP pipelined behind a pending answer: the 400 comes after that answer', async () => {
    const p = await slowRoutePort();
    const conn = rawHttp(p.port);
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}NOT HTTP AT ALL\r\n\r\n`);
      await within(p.entered, HUNG, '/slow never ran');
      await within(p.badFound, HUNG, 'Node never found the bytes that are not HTTP');
      p.release();
      await within(conn.closed, HUNG, 'the connection was never closed');
      assert.match(conn.text(), /^HTTP\/1\.1 200 [\s\S]*"slow":true[\s\S]*HTTP\/1\.1 400 [\s\S]*"ISO8583_ERR_CONSOLE_INPUT"/, JSON.stringify(conn.text()));
    } finally {
      conn.socket.destroy();
      await p.close();
    }
  });

  test("a graceful stop's deadline closes a connection whose 408 waits for its turn (its request bound far longer): the earlier answer not written by then is cut", async () => {
    // A bound of a minute, the stop's deadline 3 s after the stop begins: the wait must end by the deadline.
    const BOUND = 60_000;
    const p = await slowRoutePort(undefined, BOUND);
    const conn = rawHttp(p.port);
    let stopped: Promise<void> | undefined;
    try {
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(p.entered, HUNG, '/slow never ran');
      // The stop: the request still arriving gets its 408 2 s after it (request-deadline.ts), which waits behind /slow.
      closeOwnAnswersBy(p.server, Date.now() + MIN_REQUEST_DEADLINE + 1_000);
      stopped = p.stop();
      // Well before the bound (60 s): the stop's deadline closed it.
      await within(conn.closed, HUNG, 'the connection outlived the stop\'s deadline');
      assert.equal(conn.text(), '', 'an answer was written out of order');
      assert.equal(p.payRan(), 0);
    } finally {
      conn.socket.destroy();
      p.release();
      await stopped;
    }
  });
});
