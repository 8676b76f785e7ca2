/**
 * A connection in doubt (its client pipelined past what the port takes at once: pipeline-cap.ts) whose answers are all
 * written whole is idle to the connection cap (src/http/connection-cap.ts), and was destroyed for a new connection:
 * its client, still sending, was then reset and lost the answers it had not read, while its doubt's cut test (an error
 * seen on it) counted them delivered. It is now closed lingering (answered-close.ts): each approval is read or
 * reversed. Real Fastify server, `watchDelivery` as the connector's routes, real sockets on 127.0.0.1.
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

test('a connection in doubt evicted idle at the connection cap: every answer written whole is read or reversed', async (t) => {
  const { app, counts } = watchedApp();
  capServerPipelining(app.server);
  capConnections(app.server, 1);
  let responses = 0;
  let onResponse: (() => void) | undefined;
  app.addHook('onResponse', (_req, _reply, done) => {
    responses++;
    onResponse?.();
    done();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as AddressInfo).port;

  // A pipelines and reads nothing: its answers (small) are all written whole into the buffers, unread.
  const sideAccepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
  const a = connect(port, '127.0.0.1');
  a.pause();
  a.on('error', () => undefined);
  const sideA = await within(sideAccepted, DEADLINE, 'A\'s server side');
  const written = new Promise<void>((resolve) => {
    onResponse = () => {
      if (responses >= FIRST) resolve();
    };
  });
  a.write(REQUEST.repeat(FIRST));
  await within(written, DEADLINE, 'A\'s answers written whole');
  assert.equal(inDoubt(sideA), true);

  // B takes A's place: A is idle (every answer written), so it goes for B.
  await answeredClient(t, port, REQUEST, DEADLINE);

  // A, still sending (a request trickled), then reads what it can.
  await new Promise<void>((resolve) => a.write('GET / HTTP/1.1\r\nHo', () => resolve()));
  let aText = '';
  a.setEncoding('latin1').on('data', (c: string) => (aText += c));
  const aClosed = new Promise<void>((resolve) => a.once('close', () => resolve()));
  const sideClosed = new Promise<void>((resolve) => (sideA.closed ? resolve() : sideA.once('close', () => resolve())));
  a.resume();
  await within(Promise.all([aClosed, sideClosed]), DEADLINE, 'A closed');
  const read = [...aText.matchAll(/HTTP\/1\.1 200/g)].length;
  assert.equal(counts.routed, FIRST + 1);
  assert.equal(read + counts.undelivered, FIRST, `every approval of A read or reversed: ${read} read, ${counts.undelivered} reversed`);
});

test('an abort (closeAll) of a connection in doubt whose client read every answer and is silent: nothing reversed; one still sending: read or reversed', async (t) => {
  const { app, counts } = watchedApp();
  let onHold: (() => void) | undefined;
  // A request the route holds unanswered till its connection goes: read after the connection's last answer.
  app.get('/hold', async (request) => {
    onHold?.();
    await new Promise((resolve) => request.raw.socket.once('close', resolve));
    return 'late';
  });
  capServerPipelining(app.server);
  const cap = capConnections(app.server, 4);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as AddressInfo).port;

  /** A client pipelining past the cap and reading every answer, never ending its side; its server side. */
  const reader = async (): Promise<{ client: Socket; side: Socket; closed: Promise<void> }> => {
    const accepted = new Promise<Socket>((resolve) => app.server.once('connection', resolve));
    const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    c.on('error', () => undefined);
    t.after(() => c.destroy());
    const side = await within(accepted, DEADLINE, 'server side');
    let text = '';
    const all = new Promise<void>((resolve) => c.setEncoding('latin1').on('data', (s: string) => {
      text += s;
      if ([...text.matchAll(/HTTP\/1\.1 200/g)].length >= FIRST && text.endsWith('ok')) resolve();
    }));
    c.write(REQUEST.repeat(FIRST));
    await within(all, DEADLINE, 'every answer read');
    assert.equal(inDoubt(side), true);
    const closed = new Promise<void>((resolve) => (side.closed ? resolve() : side.once('close', () => resolve())));
    return { client: c, side, closed };
  };
  const silent = await reader();
  const sending = await reader();
  // The second sends on after its last answer (a request its route holds), and the server has read it.
  const held = new Promise<void>((resolve) => (onHold = resolve));
  sending.client.write('GET /hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await within(held, DEADLINE, 'the held request read');
  await cap.closeAll();
  await within(Promise.all([silent.closed, sending.closed]), DEADLINE, 'both closed');
  assert.equal(counts.undelivered, FIRST, `the silent reader's ${FIRST} answers delivered, the sender's reversed: ${counts.undelivered} reversed`);
});
