/**
 * A graceful stop (`app.close()`: Node's `server.close()` closes the idle connections) of an idle HTTP connection in
 * doubt (its client pipelined past what the port takes: its answers written whole kept till the close). Node destroyed
 * it at once: a client that did not read its answers and went on sending was then reset, which threw them away, and
 * they counted delivered (no error seen). Closed lingering instead (idle-doubt-close.ts), its answers are judged by the
 * lingering close's cut test: reversed for a client sending during the linger, delivered for a client that read them
 * and stays silent. Real Fastify server, `watchDelivery` as the connector's routes, real sockets on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inDoubt, keptInDoubt, owedInDoubt } from '@iso8583/connector/delivery-doubt';
import { waitUntil, within } from '@iso8583/test-support';
import { capServerPipelining } from '../src/http/pipeline-cap.js';
import { lingerIdleInDoubt } from '../src/http/idle-doubt-close.js';
import { closeOwnAnswersBy } from '../src/http/own-answer-close.js';
import { watchedApp } from './helpers/watched-app.js';

const DEADLINE = 10_000;
/** Requests the client pipelines at once: more than the port takes (32), so its connection is in doubt. */
const FIRST = 40;
const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
/**
 * The stop's linger, far past any wait here: each test cuts it itself (`closeOwnAnswersBy`, as the stop's deadline
 * does) once the linger has seen what it must, so no result hangs on a timer racing a busy machine.
 */
const LINGER = 60_000;

/**
 * A server as the port's (the pipelining bound, idle connections in doubt lingering at the stop) and one client that
 * pipelines {@link FIRST} requests, never ending its side; `reads`: whether it reads the answers. Resolves once every
 * answer is written whole and kept in doubt, the connection idle.
 */
async function idleInDoubt(t: { after: (fn: () => unknown) => void }, reads: boolean) {
  await waitUntil(() => owedInDoubt() === 0, { what: 'earlier connections in doubt to settle', timeoutMs: 15_000, intervalMs: 20 });
  const baseKept = keptInDoubt();
  const { app, counts } = watchedApp();
  capServerPipelining(app.server);
  lingerIdleInDoubt(app.server, LINGER);
  const accepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const client = connect({ port: (app.server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => undefined);
  t.after(() => client.destroy());
  if (!reads) client.pause();
  let text = '';
  client.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  client.write(REQUEST.repeat(FIRST));
  const side = await within(accepted, DEADLINE, 'the server side');
  await waitUntil(() => keptInDoubt() - baseKept === FIRST && owedInDoubt() === 0, { what: 'every answer written whole and kept', timeoutMs: DEADLINE, intervalMs: 10 });
  if (reads) await waitUntil(() => [...text.matchAll(/HTTP\/1\.1 200/g)].length === FIRST && text.endsWith('ok'), { what: 'every answer read', timeoutMs: DEADLINE, intervalMs: 10 });
  assert.equal(inDoubt(side), true);
  return { app, counts, client, side };
}

/** Resolves once the stop has closed `side` or ended its side (a lingering close). */
async function closedOrEnded(side: Socket): Promise<void> {
  await waitUntil(() => side.destroyed || side.writableEnded, { what: 'the stop to close or end the connection', timeoutMs: DEADLINE, intervalMs: 5 });
}

/** Cuts the linger of `side` now (the stop's deadline reached) and resolves once it closed, and the stop with it. */
async function cutAndStopped(app: { server: Server }, side: Socket, stopped: Promise<unknown>): Promise<void> {
  const closed = new Promise<void>((resolve) => (side.closed ? resolve() : side.once('close', () => resolve())));
  closeOwnAnswersBy(app.server, Date.now());
  await within(closed, DEADLINE, 'the connection to close');
  await within(stopped, DEADLINE, 'the stop');
}

test('HTTP stop – an idle connection in doubt whose client reads nothing and goes on sending: its answers reversed, not counted delivered after a reset', async (t) => {
  const { app, counts, client, side } = await idleInDoubt(t, false);
  const stopped = app.close();
  await closedOrEnded(side);
  // The client, reading none of its answers, sends on: a destroyed socket resets it, its answers thrown away. Node's
  // destroy at once never reads it; the linger does, and is cut once it has.
  const heard = new Promise<void>((resolve) => side.once('data', () => resolve()));
  client.write(REQUEST);
  await within(heard, DEADLINE, 'the lingering connection to read what the client sent');
  await cutAndStopped(app, side, stopped);
  assert.equal(counts.routed, FIRST);
  assert.equal(counts.undelivered, FIRST, 'every answer the client may not have read reversed');
});

test('HTTP stop – an idle connection in doubt whose client read every answer and stays silent: nothing reversed', async (t) => {
  const { app, counts, side } = await idleInDoubt(t, true);
  const stopped = app.close();
  await closedOrEnded(side);
  await cutAndStopped(app, side, stopped);
  assert.equal(counts.routed, FIRST);
  assert.equal(counts.undelivered, 0, 'every answer read: none reversed');
});

test('HTTP stop – a throw inside the lingering close of an idle connection in doubt does not escape the stop: that connection destroyed as Node would, the port closed', async (t) => {
  const { app, counts, side } = await idleInDoubt(t, true);
  // The lingering close ends the connection's side (its answers all written whole): a fault there, made here.
  side.end = ((): never => {
    throw new Error('a fault inside the lingering close');
  }) as never;
  const closed = new Promise<void>((resolve) => side.once('close', () => resolve()));
  await within(app.close(), DEADLINE, 'the stop');
  assert.equal(side.destroyed, true, 'destroyed as Node destroys an idle connection');
  assert.equal(app.server.listening, false, 'the port closed');
  // Kept answers are settled at the connection's close, after the stop's call returns.
  await within(closed, DEADLINE, 'the connection to close');
  assert.equal(counts.routed, FIRST);
  assert.equal(counts.undelivered, 0, 'a client that read every answer and stays silent: none reversed');
});

test('HTTP stop – a throw inside the lingering close of an idle connection in doubt whose client reads nothing and sent on: its answers reversed by the destroy', async (t) => {
  const { app, counts, client, side } = await idleInDoubt(t, false);
  // What the client sends on lies unread here (the connection paused, as a busy port pauses it) when the stop comes:
  // the destroy then resets the connection, throwing its unread answers away.
  side.pause();
  client.write(REQUEST);
  side.end = ((): never => {
    throw new Error('a fault inside the lingering close');
  }) as never;
  const closed = new Promise<void>((resolve) => side.once('close', () => resolve()));
  await within(app.close(), DEADLINE, 'the stop');
  await within(closed, DEADLINE, 'the connection to close');
  assert.equal(app.server.listening, false, 'the port closed');
  assert.equal(counts.routed, FIRST);
  assert.equal(counts.undelivered, FIRST, 'every answer the reset may have thrown away reversed');
});
