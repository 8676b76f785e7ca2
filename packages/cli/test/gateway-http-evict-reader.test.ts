/**
 * A connection in doubt whose client read every answer but does not end its side (a pooled client leaves a
 * server-closed socket in CLOSE_WAIT till its next use; Node's `net` with `allowHalfOpen`) was destroyed at the
 * linger's bound (linger-close.ts) and every answer it had read counted undelivered: approvals reversed although read.
 * A client silent for the whole linger is closed with a FIN and loses nothing: its answers are delivered. Real
 * Fastify server, `watchDelivery` as the connector's routes, real sockets on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { inDoubt } from '@iso8583/connector/delivery-doubt';
import { within } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';
import { capServerPipelining } from '../src/http/pipeline-cap.js';
import { answeredClient, watchedApp } from './helpers/watched-app.js';

const DEADLINE = 10_000;
/** Requests the client pipelines at once: more than the port takes (32), so its connection is in doubt. */
const FIRST = 40;
const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

test('a connection in doubt evicted idle, its client having read every answer and never ending its side: nothing reversed', async (t) => {
  const { app, counts } = watchedApp();
  capServerPipelining(app.server);
  capConnections(app.server, 1);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as AddressInfo).port;

  // A pipelines past the cap, reads every answer, and never ends its side (half-open allowed).
  const sideAccepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
  const a = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  a.on('error', () => undefined);
  t.after(() => a.destroy());
  const sideA = await within(sideAccepted, DEADLINE, 'A\'s server side');
  let aText = '';
  let aEnded = false;
  const aReadAll = new Promise<void>((resolve) => a.setEncoding('latin1').on('data', (c: string) => {
    aText += c;
    if ([...aText.matchAll(/HTTP\/1\.1 200/g)].length >= FIRST && aText.endsWith('ok')) resolve();
  }));
  a.once('end', () => (aEnded = true));
  a.write(REQUEST.repeat(FIRST));
  await within(aReadAll, DEADLINE, 'A read every answer');
  assert.equal(inDoubt(sideA), true);

  // B takes A's place: A is idle, so it is closed lingering; A stays silent and never ends its side.
  await answeredClient(t, port, REQUEST, DEADLINE);

  const sideClosed = new Promise<void>((resolve) => (sideA.closed ? resolve() : sideA.once('close', () => resolve())));
  await within(sideClosed, DEADLINE, 'A\'s server side closed at the linger\'s bound');
  assert.equal(aEnded, true, 'A read the server\'s FIN');
  assert.equal(counts.routed, FIRST + 1);
  assert.equal([...aText.matchAll(/HTTP\/1\.1 200/g)].length, FIRST);
  assert.equal(counts.undelivered, 0, 'A read every answer: none reversed');
});
