/**
 * The bound on the answers kept on HTTP connections in doubt (pipeline-cap.ts, the connector's delivery-doubt.ts), on a
 * real Fastify server whose route watches its answer's delivery as the connector's routes do (`watchDelivery`), and
 * real sockets on 127.0.0.1. A connection whose client pipelines past what the port takes at once is in doubt from its
 * first request held back: each answer written whole is kept till its close. Without a bound, 64 such clients kept
 * every answer they were ever given (2,880 here) for as long as they stayed connected; with it, a new request on a
 * connection in doubt is refused 503 coded (no route runs) once the bound is reached, the kept count stays within
 * it (plus the answers at the routes when a connection was marked, which cannot be refused), a client that does not
 * pipeline is served throughout, and every kept answer settles at its connection's close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { fastify } from 'fastify';
import { watchDelivery } from '@iso8583/connector';
import { inDoubt, keptInDoubt, owedInDoubt } from '@iso8583/connector/delivery-doubt';
import { within } from '@iso8583/test-support';
import { MAX_PIPELINED, capServerPipelining } from '../src/http/pipeline-cap.js';

const DEADLINE = 20_000;
/** The bound of answers kept across the process, small for the test. */
const BUDGET = 256;
const CLIENTS = 64;
/** Requests each client pipelines at first (more than MAX_PIPELINED: some held back, the connection marked). */
const FIRST = 40;
/** Requests each then sends one at a time, reading each answer. */
const THEN = 5;

const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** A client connection counting the answers it reads (their status codes) and their bodies. */
interface Client {
  socket: Socket;
  statuses: number[];
  text: () => string;
  /** Resolves once `n` answers in all were read. */
  answers: (n: number) => Promise<void>;
}

function client(port: number): Client {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  let text = '';
  const statuses: number[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  socket.setEncoding('latin1').on('data', (chunk: string) => {
    text += chunk;
    const found = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    statuses.splice(0, statuses.length, ...found);
    if (waiter !== undefined && statuses.length >= waiter.n) waiter.resolve();
  });
  return {
    socket,
    statuses,
    text: () => text,
    answers: (n) => within(new Promise<void>((resolve) => {
      if (statuses.length >= n) resolve();
      else waiter = { n, resolve };
    }), DEADLINE, `the client did not read ${n} answers`),
  };
}

test('HTTP doubt budget – answers kept on connections in doubt stay bounded; past it a request there is refused 503 coded, no route run', { timeout: 120_000 }, async (t) => {
  const app = fastify({ logger: false });
  let routed = 0;
  let undelivered = 0;
  app.get('/', async (_request, reply) => {
    routed++;
    // As the connector's routes: an answer written whole on a connection in doubt is kept till its close.
    watchDelivery(reply, () => {
      undelivered++;
    }, () => [{}, {}, {}] as never);
    return 'ok';
  });
  capServerPipelining(app.server, undefined, {}, { max: BUDGET });
  // After the bound's handler: the requests parsed on each server side, by its client's port.
  const parsed = new Map<number, number>();
  const parsedWaiters = new Map<number, { n: number; resolve: () => void }>();
  const sides = new Map<number, Socket>();
  app.server.on('connection', (s: Socket) => sides.set(s.remotePort!, s));
  app.server.on('request', (req) => {
    const port = req.socket.remotePort!;
    const n = (parsed.get(port) ?? 0) + 1;
    parsed.set(port, n);
    const w = parsedWaiters.get(port);
    if (w !== undefined && n >= w.n) w.resolve();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const wrote = async (c: Client): Promise<number> => {
    await new Promise<void>((resolve) => c.socket.once('connect', () => resolve()));
    return c.socket.localPort!;
  };

  const clients: Client[] = [];
  let refusedClients = 0;
  for (let i = 0; i < CLIENTS; i++) {
    const c = client(port);
    clients.push(c);
    const local = await wrote(c);
    // Pipelined and not read: the requests past MAX_PIPELINED are held back, and the connection is in doubt.
    const allParsed = new Promise<void>((resolve) => parsedWaiters.set(local, { n: FIRST, resolve }));
    c.socket.write(REQUEST.repeat(FIRST));
    await within(allParsed, DEADLINE, `client ${i}'s requests to be parsed`);
    assert.equal(inDoubt(sides.get(local)!), true, `client ${i}'s connection is in doubt once it held requests back`);
    c.socket.resume();
    await c.answers(FIRST);
    // Then reading each answer before its next request: still in doubt (a close may yet cut what it has not read).
    for (let k = 1; k <= THEN; k++) {
      c.socket.write(REQUEST);
      await c.answers(FIRST + k);
    }
    if (c.statuses.includes(503)) refusedClients++;
    assert.ok(keptInDoubt() <= BUDGET + MAX_PIPELINED * refusedClients,
      `kept ${keptInDoubt()} within the budget ${BUDGET} and the answers at the routes when ${refusedClients} connections were marked at it`);
    assert.equal(owedInDoubt(), 0, 'every answer owed was written');
  }
  const statuses = clients.flatMap((c) => c.statuses);
  const ok = statuses.filter((s) => s === 200).length;
  const refused = statuses.filter((s) => s === 503).length;
  assert.equal(ok + refused, CLIENTS * (FIRST + THEN), 'every request answered, 200 or 503');
  assert.ok(refused > 0 && refusedClients > 0, `requests refused past the budget (${refused})`);
  assert.equal(routed, ok, 'no route ran for a refused request');
  assert.ok(keptInDoubt() >= BUDGET, `the budget was reached (${keptInDoubt()})`);
  assert.ok(keptInDoubt() < CLIENTS * (FIRST + THEN), `not every answer kept (${keptInDoubt()})`);
  const refusal = clients.find((c) => c.statuses.includes(503))!.text();
  assert.match(refusal, /HTTP\/1\.1 503[^]*"code":"ISO8583_ERR_CONSOLE_DOUBT_BUDGET"/, 'the refusal is coded');

  // A client that does not pipeline is not in doubt: served while the budget is full, nothing kept for it.
  const plain = client(port);
  const plainPort = await wrote(plain);
  plain.socket.resume();
  const keptBefore = keptInDoubt();
  for (let k = 1; k <= THEN; k++) {
    plain.socket.write(REQUEST);
    await plain.answers(k);
  }
  assert.deepEqual(plain.statuses, Array(THEN).fill(200), 'a client not in doubt is served');
  assert.equal(inDoubt(sides.get(plainPort)!), false);
  assert.equal(keptInDoubt(), keptBefore);

  // Each connection's close (the client ends its side: nothing cut) settles its kept answers delivered.
  const closed = [...sides.values()].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
  for (const c of [...clients, plain]) c.socket.end();
  await within(Promise.all(closed), DEADLINE, 'the connections to close');
  assert.equal(keptInDoubt(), 0, 'every kept answer settled at its connection\'s close');
  assert.equal(owedInDoubt(), 0);
  assert.equal(undelivered, 0, 'none counted undelivered: every close was the client\'s end');
});
