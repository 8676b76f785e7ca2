/**
 * The budget on requests held back across an HTTP server (src/http/held-budget.ts) on a real Node HTTP server and real
 * sockets: clients that pipeline requests and never read their answers held about one read of requests each (some
 * 1,400 tiny ones, ~7 MB of heap), without bound as their number grew. Over the budget, the connection holding the
 * most whose requests at the routes are all answered is closed; one with a route running (a payment at the bank) is
 * not; an honest client is served throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { isIso8583Error } from '@iso8583/codec';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { capServerPipelining, markStream } from '../src/http/pipeline-cap.js';
import { DEFAULT_HTTP_MAX_HELD_BACK, heldBudget } from '../src/http/held-budget.js';
import type { HeldBackClose } from '../src/http/held-budget.js';
import { GATEWAY_DEFAULTS, parseGatewayArgs } from '../src/gateway/config.js';

const DEADLINE = 20_000;
const BUDGET = 500;
/** Every answer but `/quick` and `/slow`: 1 MB (one buffer shared), so that the answers of a client that reads none fill the socket buffers. */
const BIG = Buffer.alloc(1024 * 1024, 'x');

/**
 * A server answering at once (1 MB), `/quick` with `quick`, `/slow` once `bank` settles, `/stream` with an event stream
 * never ended; pipelining capped, budget BUDGET.
 */
async function serve(bank: Promise<void>, closes: HeldBackClose[]): Promise<{ server: Server; port: number; parsed: Map<number, number>; sockets: Map<number, Socket> }> {
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/quick') res.end('quick');
    else if (req.url === '/slow') void bank.then(() => res.end('slow'));
    else if (req.url === '/stream') {
      // A console event stream: written until its client goes, never ended.
      markStream(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
    }
    else res.end(BIG);
  });
  capServerPipelining(server, undefined, { max: BUDGET, onClose: (c) => closes.push(c) });
  // Before the bound's handler: the requests parsed on each connection (by its client's port).
  const parsed = new Map<number, number>();
  server.prependListener('request', (req) => parsed.set(req.socket.remotePort!, (parsed.get(req.socket.remotePort!) ?? 0) + 1));
  const sockets = new Map<number, Socket>();
  server.on('connection', (s: Socket) => sockets.set(s.remotePort!, s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, parsed, sockets };
}

/** A client that writes `paths` pipelined and never reads; resolves once connected, with its socket. */
async function nonReader(port: number, paths: string[]): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  // Paused before it connects: it never reads a byte.
  socket.pause();
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
  return socket;
}

/** Resolves once `parsed` counts `n` requests of the client on local port `port`. */
async function parsedOf(parsed: Map<number, number>, port: number, n: number, server: Server): Promise<void> {
  await within(new Promise<void>((resolve) => {
    const look = (): void => {
      if ((parsed.get(port) ?? 0) >= n) {
        server.off('request', look);
        resolve();
      }
    };
    server.on('request', look);
    look();
  }), DEADLINE, `the server did not parse ${n} requests of the client on port ${port}`);
}

/** Resolves once the server's side of `client` has closed (a client that reads nothing never sees its close). */
function serverClosed(sockets: Map<number, Socket>, client: Socket): Promise<void> {
  const side = sockets.get(client.localPort!);
  assert.ok(side !== undefined, 'the server accepted the client');
  return side.closed ? Promise.resolve() : new Promise<void>((resolve) => side.once('close', () => resolve()));
}

const paths = (n: number, first = ''): string[] => [...(first === '' ? [] : [first]), ...Array.from({ length: n }, (_, i) => `/${i}`)];

async function stop(server: Server, sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('over the budget, the non-reader holding the most held-back requests is closed; a lighter one stays; honest clients are served', async () => {
  const closes: HeldBackClose[] = [];
  const { server, port, parsed, sockets } = await serve(Promise.resolve(), closes);
  const clients: Socket[] = [];
  try {
    // A light non-reader: 200 requests, 32 at the routes, at most 168 held back (under the budget alone).
    const light = await nonReader(port, paths(200));
    clients.push(light);
    await parsedOf(parsed, light.localPort!, 200, server);
    assert.equal(closes.length, 0, 'nothing closed under the budget');
    // A heavy one: 5,000 requests; one read of them takes the server over the budget, with it holding the most.
    const heavy = await nonReader(port, paths(5_000));
    clients.push(heavy);
    await parsedOf(parsed, heavy.localPort!, 1, server);
    await within(serverClosed(sockets, heavy), DEADLINE, 'the heavy non-reader was not closed: the requests held back grew past the budget');
    assert.equal(closes.length, 1, 'one connection closed');
    const [closed] = closes as [HeldBackClose];
    assert.equal(closed.socket, sockets.get(heavy.localPort!), 'the heaviest was closed');
    assert.ok(closed.total > BUDGET && closed.max === BUDGET, `closed at ${closed.total} held back, over ${closed.max}`);
    assert.ok(closed.heldBack > closed.total - closed.heldBack, 'it held more than the others together');
    assert.equal(sockets.get(light.localPort!)!.destroyed, false, 'the light non-reader is kept');
    // An honest client is served, one request and a pipelined batch it reads.
    const honest = rawHttp(port);
    clients.push(honest.socket);
    honest.socket.write(Array.from({ length: 100 }, () => 'GET /quick HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n').join(''));
    const all = new Promise<void>((resolve) => {
      const look = (): void => {
        if ((honest.text().match(/quick/g) ?? []).length >= 100) resolve();
      };
      honest.socket.on('data', look);
    });
    await within(readUntil(honest, /quick/), DEADLINE, 'the honest client was not answered');
    await within(all, DEADLINE, 'the honest client\'s 100 pipelined requests were not all answered');
    assert.equal(closes.length, 1, 'the honest client was not closed');
  } finally {
    await stop(server, clients);
  }
});

test('a non-reader with a route running (a payment at the bank) is never closed for the budget: a lighter answered one is', async () => {
  let release: () => void = () => undefined;
  const bank = new Promise<void>((resolve) => (release = resolve));
  const closes: HeldBackClose[] = [];
  const { server, port, parsed, sockets } = await serve(bank, closes);
  const clients: Socket[] = [];
  try {
    // Its first request waits at the bank; 1,000 more behind it: over the budget alone, but not closable.
    const paying = await nonReader(port, paths(1_000, '/slow'));
    clients.push(paying);
    await parsedOf(parsed, paying.localPort!, BUDGET + 40, server);
    assert.equal(closes.length, 0, 'the connection with a payment at the bank was closed');
    // A lighter non-reader, all its routes answered: the next request held back closes it.
    const light = await nonReader(port, paths(100));
    clients.push(light);
    await parsedOf(parsed, light.localPort!, 1, server);
    await within(serverClosed(sockets, light), DEADLINE, 'the answered non-reader was not closed');
    assert.equal(closes.length, 1);
    assert.equal(closes[0]!.socket, sockets.get(light.localPort!), 'the answered one was closed, not the heavier one at the bank');
    assert.equal(sockets.get(paying.localPort!)!.destroyed, false, 'the connection with a payment at the bank is kept');
  } finally {
    release();
    await stop(server, clients);
  }
});

test('a non-reader whose pipeline starts with a console event stream is closed for the budget, as an answered one', async () => {
  const closes: HeldBackClose[] = [];
  const { server, port, parsed, sockets } = await serve(Promise.resolve(), closes);
  const clients: Socket[] = [];
  try {
    // The stream is never ended: before the fix its connection was never closable, and held back past the budget.
    const streaming = await nonReader(port, paths(5_000, '/stream'));
    clients.push(streaming);
    await parsedOf(parsed, streaming.localPort!, 1, server);
    await within(serverClosed(sockets, streaming), DEADLINE, 'the non-reader behind an event stream was not closed: the requests held back grew past the budget');
    assert.equal(closes.length, 1, 'one connection closed');
    assert.equal(closes[0]!.socket, sockets.get(streaming.localPort!));
    assert.ok(closes[0]!.total > BUDGET, `closed at ${closes[0]!.total} held back, over ${BUDGET}`);
  } finally {
    await stop(server, clients);
  }
});

test('the budget defaults to 16384 requests, --http-max-held-back sets it, and a bad value is a coded error naming the option', () => {
  assert.equal(DEFAULT_HTTP_MAX_HELD_BACK, 16_384);
  assert.equal(heldBudget().max, DEFAULT_HTTP_MAX_HELD_BACK);
  assert.equal(GATEWAY_DEFAULTS.httpMaxHeldBack, DEFAULT_HTTP_MAX_HELD_BACK);
  assert.equal(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--http-max-held-back', '2000']).config.httpMaxHeldBack, 2000);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => heldBudget({ max: bad }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.equal(err.field, '--http-max-held-back');
      return true;
    }, String(bad));
  }
  for (const bad of ['0', 'many']) {
    assert.throws(() => parseGatewayArgs(['--upstream', '127.0.0.1:9', '--http-max-held-back', bad]), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.equal(err.field, '--http-max-held-back');
      return true;
    }, bad);
  }
});
