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
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AddressInfo, Socket } from 'node:net';
import { inDoubt, keptInDoubt, owedInDoubt } from '@iso8583/connector/delivery-doubt';
import { waitUntil, within } from '@iso8583/test-support';
import { MAX_PIPELINED, capServerPipelining, discardReading } from '../src/http/pipeline-cap.js';
import { watchedApp } from './helpers/watched-app.js';
import { closeAnswered } from '../src/http/answered-close.js';
import { doubtLog } from '../src/http/doubt-log.js';

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

/**
 * The counts are the process's, and other files of this folder run in it first: a connection one of them closed may
 * still linger (2 s at most: linger-close.ts) and settle its answers during this test. Waits for every connection in
 * doubt before this test to have settled, so that this test's counts are its own.
 */
async function earlierSettled(): Promise<void> {
  await waitUntil(() => keptInDoubt() === 0 && owedInDoubt() === 0, { what: "the connections in doubt of the folder's earlier files to settle", timeoutMs: 15_000, intervalMs: 20 });
}

test('HTTP doubt budget – answers kept on connections in doubt stay bounded; past it a request there is refused 503 coded, no route run', { timeout: 120_000 }, async (t) => {
  // Counts of the process (other files of this folder share it): each taken from where it stood at the start.
  await earlierSettled();
  const baseKept = keptInDoubt();
  const baseOwed = owedInDoubt();
  const kept = (): number => keptInDoubt() - baseKept;
  // As the connector's routes: an answer written whole on a connection in doubt is kept till its close.
  const { app, counts } = watchedApp();
  capServerPipelining(app.server, undefined, {}, { max: baseKept + baseOwed + BUDGET });
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
    assert.ok(kept() <= BUDGET + MAX_PIPELINED * refusedClients,
      `kept ${kept()} within the budget ${BUDGET} and the answers at the routes when ${refusedClients} connections were marked at it`);
    assert.equal(owedInDoubt(), baseOwed, 'every answer owed was written');
  }
  const statuses = clients.flatMap((c) => c.statuses);
  const ok = statuses.filter((s) => s === 200).length;
  const refused = statuses.filter((s) => s === 503).length;
  assert.equal(ok + refused, CLIENTS * (FIRST + THEN), 'every request answered, 200 or 503');
  assert.ok(refused > 0 && refusedClients > 0, `requests refused past the budget (${refused})`);
  assert.equal(counts.routed, ok, 'no route ran for a refused request');
  assert.ok(kept() >= BUDGET, `the budget was reached (${kept()})`);
  assert.ok(kept() < CLIENTS * (FIRST + THEN), `not every answer kept (${kept()})`);
  const refusal = clients.find((c) => c.statuses.includes(503))!.text();
  assert.match(refusal, /HTTP\/1\.1 503[^]*"code":"ISO8583_ERR_CONSOLE_DOUBT_BUDGET"/, 'the refusal is coded');

  // A client that does not pipeline is not in doubt: served while the budget is full, nothing kept for it.
  const plain = client(port);
  const plainPort = await wrote(plain);
  plain.socket.resume();
  const keptBefore = kept();
  for (let k = 1; k <= THEN; k++) {
    plain.socket.write(REQUEST);
    await plain.answers(k);
  }
  assert.deepEqual(plain.statuses, Array(THEN).fill(200), 'a client not in doubt is served');
  assert.equal(inDoubt(sides.get(plainPort)!), false);
  assert.equal(kept(), keptBefore);

  // Each connection's close (the client ends its side: nothing cut) settles its kept answers delivered.
  const closed = [...sides.values()].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
  for (const c of [...clients, plain]) c.socket.end();
  await within(Promise.all(closed), DEADLINE, 'the connections to close');
  assert.equal(kept(), 0, 'every kept answer settled at its connection\'s close');
  assert.equal(owedInDoubt(), baseOwed);
  assert.equal(counts.undelivered, 0, 'none counted undelivered: every close was the client\'s end');
});

/**
 * A client sending requests one at a time, each after the last answer, on one connection, opened again whenever the
 * server closes it (a request it closed unanswered is sent again there, as an HTTP client retries on a closed
 * keep-alive connection). `send(n)` writes `n` pipelined and resolves with their statuses.
 */
function oneAtATime(port: number): { send: (n: number) => Promise<number[]>; connections: () => number; close: () => void } {
  let current: { socket: Socket; text: string; seen: number; tell?: () => void } | undefined;
  let connections = 0;
  const open = async (): Promise<NonNullable<typeof current>> => {
    const socket = connect(port, '127.0.0.1');
    const made: NonNullable<typeof current> = { socket, text: '', seen: 0 };
    connections++;
    socket.on('error', () => undefined);
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      made.text += chunk;
      made.tell?.();
    });
    socket.on('close', () => made.tell?.());
    await within(new Promise<void>((resolve) => socket.once('connect', () => resolve())), DEADLINE, 'a connection');
    return made;
  };
  return {
    send: async (n) => {
      for (;;) {
        if (current === undefined || current.socket.destroyed || current.socket.readableEnded) current = await open();
        const c = current;
        c.socket.write(REQUEST.repeat(n));
        const statuses = await within(new Promise<number[] | undefined>((resolve) => {
          c.tell = () => {
            const found = [...c.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
            if (found.length >= c.seen + n) {
              c.tell = undefined;
              resolve(found.slice(c.seen, (c.seen += n)));
            } else if (c.socket.destroyed) {
              c.tell = undefined;
              resolve(undefined);
            }
          };
          c.tell();
        }), DEADLINE, `${n} answers or the connection's close`);
        if (statuses !== undefined) return statuses;
        assert.equal(n, 1, 'a burst is not cut');
      }
    },
    connections: () => connections,
    close: () => current?.socket.end(),
  };
}

test('HTTP doubt budget – at the bound, the connection in doubt keeping the most answers with nothing at the routes is closed: a client that reads every answer is served again', { timeout: 120_000 }, async (t) => {
  const small = 64;
  // Counts of the process (other files of this folder share it): the bound set above what is kept already.
  await earlierSettled();
  const base = keptInDoubt() + owedInDoubt();
  const { app, counts } = watchedApp();
  // The refusals and closes logged at warn, coded, one line each 10 ms at most here (1 s at the port).
  const lines: string[] = [];
  let logged: (() => void) | undefined;
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) {
    lines.push(chunk.toString());
    logged?.();
    done();
  } }));
  capServerPipelining(app.server, undefined, {}, { max: base + small, close: closeAnswered, onRefused: doubtLog(logger, 10) });
  const sides: Socket[] = [];
  app.server.on('connection', (s: Socket) => sides.push(s));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const c = oneAtATime((app.server.address() as AddressInfo).port);

  // One burst past MAX_PIPELINED: in doubt for good, its answers kept; then one request at a time, each answer read.
  assert.deepEqual(await c.send(FIRST), Array(FIRST).fill(200));
  assert.equal(inDoubt(sides[0]!), true);
  const statuses: number[] = [];
  for (let i = 0; i < 10 * small; i++) statuses.push(...(await c.send(1)));
  const refused = statuses.filter((s) => s === 503).length;
  assert.ok(refused >= 1, 'the bound was reached');
  assert.deepEqual(statuses.slice(small), Array(9 * small).fill(200), `served again past the bound (${refused} refused)`);
  assert.ok(c.connections() >= 2, 'the connection in doubt was closed, its client on a new one');
  assert.equal(counts.routed, statuses.filter((s) => s === 200).length + FIRST, 'no route ran for a refused request');
  await within(new Promise<void>((resolve) => {
    logged = () => {
      if (lines.length > 0) resolve();
    };
    logged();
  }), DEADLINE, 'the refusal\'s log line');
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.level, 40, 'at warn');
  assert.equal(line.code, 'ISO8583_ERR_CONSOLE_DOUBT_BUDGET');
  assert.ok(typeof line.refused === 'number' && line.refused >= 1 && line.refused <= refused, 'the refusals counted');
  assert.equal(line.closed, 1, 'the connection closed for room is counted');

  // The closed connection's kept answers settled at its close: its client read them and ended its side.
  c.close();
  await within(Promise.all(sides.map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))))), DEADLINE, 'the connections to close');
  assert.equal(keptInDoubt() + owedInDoubt(), base, 'every kept answer settled');
  assert.equal(counts.undelivered, 0, 'none counted undelivered: the client read each answer and ended its side');
});

/** A client that pipelines `n` requests at once and reads every answer; `allowHalfOpen`: it never ends its side itself. */
async function pipelinedAndRead(port: number, n: number, sides: Socket[]): Promise<{ client: Socket; side: Socket }> {
  const accepted = sides.length;
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => undefined);
  let text = '';
  const readAll = new Promise<void>((resolve) => client.setEncoding('latin1').on('data', (chunk: string) => {
    text += chunk;
    if ([...text.matchAll(/HTTP\/1\.1 200/g)].length >= n && text.endsWith('ok')) resolve();
  }));
  client.write(REQUEST.repeat(n));
  await within(readAll, DEADLINE, `${n} pipelined answers read`);
  return { client, side: sides[accepted]! };
}

test('HTTP doubt budget – a connection closing already (lingering) holds room-making back only while the room it frees is enough: a steady stream of them cannot keep every request in doubt refused', { timeout: 120_000 }, async (t) => {
  await earlierSettled();
  const base = keptInDoubt() + owedInDoubt();
  const { app, counts } = watchedApp();
  // The bound is read at each request: set high while the connections fill, then lowered.
  const doubt = { max: Number.MAX_SAFE_INTEGER, close: closeAnswered, onRefused: (s: Socket | undefined) => refusals.push({ closed: s, lingering: !l.side.closed }) };
  const refusals: Array<{ closed: Socket | undefined; lingering: boolean }> = [];
  capServerPipelining(app.server, undefined, {}, doubt);
  const sides: Socket[] = [];
  app.server.on('connection', (s: Socket) => sides.push(s));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as AddressInfo).port;

  // A: in doubt from one burst, every answer read, idle. L: the same, then closing (as at a cap or a 408): its input
  // thrown away (`discardReading`, as the lingering close does), which is what the room-making counts as closing, with
  // no linger's timer, so L stays closing however slow the machine; the test closes it at the end.
  const a = await pipelinedAndRead(port, FIRST, sides);
  t.after(() => a.client.destroy());
  const keptA = keptInDoubt() + owedInDoubt() - base;
  const l = await pipelinedAndRead(port, FIRST, sides);
  t.after(() => {
    l.client.destroy();
    l.side.destroy();
  });
  const keptL = keptInDoubt() + owedInDoubt() - base - keptA;
  assert.ok(inDoubt(a.side) && inDoubt(l.side) && keptA > 0 && keptL > 0, 'both in doubt, keeping answers');
  discardReading(l.side);
  let aText = '';
  let aRead: (() => void) | undefined;
  a.client.on('data', (chunk: string) => {
    aText += chunk;
    aRead?.();
  });
  const aAnswer = async (n: number): Promise<void> => {
    await within(new Promise<void>((resolve) => {
      aRead = () => {
        if ([...aText.matchAll(/HTTP\/1\.1 \d{3}/g)].length >= n) resolve();
      };
      aRead();
    }), DEADLINE, `A's answer ${n}`);
  };

  // L's close frees room enough for the bound: A's request is refused, and nothing else is closed for it.
  doubt.max = base + keptA + keptL;
  a.client.write(REQUEST);
  await aAnswer(1);
  assert.equal(refusals.length, 1, 'refused at the bound');
  assert.equal(refusals[0]!.lingering, true, 'L still closing at the refusal');
  assert.equal(refusals[0]!.closed, undefined, 'L\'s close frees room enough: none closed for room');

  // L's close frees too little: the heaviest idle connection in doubt, A, is closed for room while L still lingers.
  doubt.max = base + keptA;
  a.client.write(REQUEST);
  await aAnswer(2);
  assert.equal(refusals.length, 2, 'refused at the bound');
  assert.equal(refusals[1]!.lingering, true, 'L still closing at the refusal');
  assert.equal(refusals[1]!.closed, a.side, 'A closed for room, though L is closing');
  assert.match(aText, /^(?:HTTP\/1\.1 503[^]*?){2}$/, 'both refused 503');

  // Both clients read every answer: A ends its side at the server's end, L stays silent and is closed (a FIN, no error
  // seen): nothing reversed.
  const closed = [a.side, l.side].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
  a.client.on('end', () => a.client.end());
  l.side.destroy();
  await within(Promise.all(closed), DEADLINE, 'A and L to close');
  assert.equal(counts.routed, 2 * FIRST, 'no route ran for a refused request');
  assert.equal(counts.undelivered, 0, 'every answer read: none reversed');
  assert.equal(keptInDoubt() + owedInDoubt(), base, 'every kept answer settled');
});
