/**
 * The request bound of a connection held unread (src/http/held-deadline.ts) on a long keep-alive connection: each
 * request Node finds late while its connection waits behind a slow route is given its bound again, and the
 * connection's `close` listener that clears those timers is one per connection, not one more per late request (which
 * grew with the requests of a long connection, and past ten wrote a `MaxListenersExceededWarning`). A real Fastify
 * server with the port's own pieces and a raw client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { fastify } from 'fastify';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { capServerPipelining } from '../src/http/pipeline-cap.js';
import { MIN_REQUEST_DEADLINE, answerClientError, boundRequests } from '../src/http/request-deadline.js';
import { BODY, post } from './slow-route-port.js';

const DEADLINE = 20_000;

/** Something that happens again and again: `next()` is a promise of its next time, `fire()` makes it happen. */
function repeated(): { next: () => Promise<void>; fire: () => void } {
  const waiting: (() => void)[] = [];
  let fired = 0;
  let taken = 0;
  return {
    next: () => {
      taken += 1;
      if (taken <= fired) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    fire: () => {
      fired += 1;
      waiting.shift()?.();
    },
  };
}

test('requests found late while their keep-alive connection is held, round after round: one close listener for the connection', async () => {
  const entered = repeated();
  const late = repeated();
  let release: () => void = () => undefined;
  const app = fastify({ logger: false, clientErrorHandler: answerClientError });
  capServerPipelining(app.server, 1);
  app.post('/slow', async () => {
    const gate = new Promise<void>((resolve) => (release = resolve));
    entered.fire();
    await gate;
    return { slow: true };
  });
  app.post('/pay', async () => ({ paid: true }));
  await app.ready();
  boundRequests(app.server, MIN_REQUEST_DEADLINE);
  app.server.prependListener('clientError', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') late.fire();
  });
  let serverSide: Socket | undefined;
  app.server.on('connection', (socket: Socket) => (serverSide = socket));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const conn = rawHttp((app.server.address() as AddressInfo).port);
  try {
    const closeListeners: number[] = [];
    for (let round = 1; round <= 3; round++) {
      // /pay pipelined behind /slow, its body sent in good time but not read while /slow runs: Node finds it late.
      conn.socket.write(`${post('/slow', BODY.length)}${BODY}${post('/pay', BODY.length)}${BODY.slice(0, 4)}`);
      await within(entered.next(), DEADLINE, `/slow never ran (round ${round})`);
      conn.socket.write(BODY.slice(4));
      await within(late.next(), DEADLINE, `Node never found the held request late (round ${round})`);
      release();
      await within(readUntil(conn, new RegExp(`("paid":true[\\s\\S]*){${round}}`)), DEADLINE, `the held request was not served (round ${round})`);
      closeListeners.push((serverSide as Socket).listenerCount('close'));
    }
    assert.doesNotMatch(conn.text(), / 408 /);
    assert.equal(conn.socket.destroyed, false);
    const [first, , third] = closeListeners;
    assert.equal(third, first, `close listeners on the connection after each round: ${closeListeners.join(', ')}`);
  } finally {
    conn.socket.destroy();
    release();
    await app.close();
  }
});
