// An HTTP client that leaves while its purchase still waits in its terminal's queue (terminalQueue on: the terminal's
// earlier purchase is at the bank): the purchase is dropped, never written (SocketQueue's hasGone), and so never
// handed to `onUndelivered` (nothing to reverse); the terminal's next purchase goes out after the first, as if the
// dropped one had never come. One whose purchase was written when it left is answered by the bank and reported
// undelivered (client-gone), as before. JSON, XML and /raw; a real bank peer, a real Fastify server, raw socket clients.
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const DEADLINE = 15_000;
/** The purchase the bank holds until the test answers it: it holds its terminal's turn. */
const HELD = '000901';

type Route = 'JSON' | 'XML' | 'raw';

/** The HTTP request carrying `message` on `route`. */
function post(route: Route, message: IsoMessage, connector: Connector): string {
  const [path, type, body] =
    route === 'JSON'
      ? ['/', 'application/json', JSON.stringify(message)]
      : route === 'XML'
        ? ['/', 'application/xml', `<ISOMessage><data>${Object.entries(message).map(([id, v]) => `<field id="${id}">${String(v)}</field>`).join('')}</data></ISOMessage>`]
        : ['/raw', 'application/json', JSON.stringify({ hex: connector.codec.pack(message).toString('hex') })];
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The routes (terminal queue on) to a bank that holds {@link HELD} and approves anything else at once. */
async function queuedApp(t: AfterHook, logger?: Logger) {
  let held: (r: Received) => void = () => undefined;
  const atBank = new Promise<Received>((resolve) => (held = resolve));
  const bank = await peerFor(t, (r, p) => {
    if (r.message['11'] === HELD) held(r);
    else p.send(r.socket, answer(r.message));
  });
  const undelivered: string[] = [];
  const app = Fastify();
  // Each request's connection, closed as the server sees it (its close listeners, the route's among them, have run).
  const serverClosed: Promise<unknown>[] = [];
  app.addHook('onRequest', async (request) => {
    serverClosed.push(once(request.raw.socket, 'close'));
  });
  await app.register(iso8583Connector, {
    name: 'bank', host: '127.0.0.1', port: bank.port, requestTimeout: 60_000, terminalQueue: { enabled: true, timeout: 60_000 }, logger,
    routes: { onUndelivered: (request, _answer, _upstream, reason) => void undelivered.push(`${String(request['11'])} ${reason}`) },
  });
  const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  const connector = app.iso8583['bank'] as Connector;
  // Destroyed first: a purchase still queued or held (the test failed) ends now, not at its 60 s timeout.
  t.after(async () => {
    await connector.destroy();
    app.server.closeAllConnections();
    await app.close();
  });
  return { bank, atBank, connector, undelivered, serverClosed, port: Number(address.port) };
}

for (const route of ['JSON', 'XML', 'raw'] as const) {
  test(`routes (${route}) – a purchase whose client leaves while it waits for its terminal's turn is dropped unwritten, not reported undelivered`, async (t) => {
    const { bank, atBank, connector, undelivered, serverClosed, port } = await queuedApp(t);
    const a = rawHttp(port);
    t.after(() => a.socket.destroy());
    a.socket.write(post(route, purchase(HELD), connector));
    const first = await within(atBank, DEADLINE, 'the bank did not get the first purchase');
    const b = rawHttp(port);
    b.socket.write(post(route, purchase('000902'), connector));
    await waitUntil(() => connector.stats().pending === 1, { what: 'the second purchase to wait for its terminal\'s turn' });
    b.socket.destroy();
    await within(serverClosed[1] as Promise<unknown>, DEADLINE, 'the server did not see the second client leave');
    // Its client gone, the second purchase has left the queue: the first is still held at the bank.
    assert.equal(connector.stats().pending, 0, 'the purchase of a client gone still waits for its terminal\'s turn');
    bank.send(first.socket, answer(first.message));
    await within(readUntil(a, /"39"|field id="39"|[0-9A-F]{20}/), DEADLINE, `the first client did not get its answer: ${a.text()}`);
    assert.match(a.text(), /^HTTP\/1\.1 200 /);
    // The terminal's next purchase: sent once its turn comes, right after the first (the dropped one never went).
    const c = rawHttp(port);
    t.after(() => c.socket.destroy());
    c.socket.write(post(route, purchase('000903'), connector));
    await within(readUntil(c, /^HTTP\/1\.1 200 [\s\S]*(?:"39"|field id="39"|[0-9A-F]{20})/), DEADLINE, `the third client did not get its answer: ${c.text()}`);
    assert.deepEqual(bank.received.map((r) => r.message['11']), [HELD, '000903'], 'the purchase of a client gone reached the bank');
    assert.deepEqual(undelivered, [], 'a purchase never sent was handed over as an undelivered answer (the gateway would reverse it)');
  });
}

test('routes – a purchase whose client leaves once it is written is still awaited, and its approval reported undelivered (client-gone)', async (t) => {
  const { bank, atBank, connector, undelivered, serverClosed, port } = await queuedApp(t);
  const a = rawHttp(port);
  a.socket.write(post('JSON', purchase(HELD), connector));
  const first = await within(atBank, DEADLINE, 'the bank did not get the purchase');
  a.socket.destroy();
  await within(serverClosed[0] as Promise<unknown>, DEADLINE, 'the server did not see the client leave');
  // The client's leaving does not end the wait for a written purchase (as a timeout would: unanswered, reversed).
  assert.equal(connector.stats().inFlight, 1, 'the written purchase of a client gone is no longer awaited');
  bank.send(first.socket, answer(first.message));
  await waitUntil(() => undelivered.length > 0, { what: 'the approval of a client gone to be reported undelivered' });
  assert.deepEqual(undelivered, [`${HELD} client-gone`]);
});

test('routes – a purchase dropped unsent because its client left is logged once, at info, to the connector\'s logger, with no card data', async (t) => {
  const log = capturedLogger('info');
  const { bank, atBank, connector, serverClosed, port } = await queuedApp(t, log.logger);
  const a = rawHttp(port);
  t.after(() => a.socket.destroy());
  a.socket.write(post('JSON', purchase(HELD), connector));
  const first = await within(atBank, DEADLINE, 'the bank did not get the first purchase');
  const b = rawHttp(port);
  b.socket.write(post('JSON', purchase('000904'), connector));
  await waitUntil(() => connector.stats().pending === 1, { what: "the second purchase to wait for its terminal's turn" });
  b.socket.destroy();
  await within(serverClosed[1] as Promise<unknown>, DEADLINE, 'the server did not see the second client leave');
  await waitUntil(() => log.lines.some((l) => String(l.msg).includes('dropped unsent')), { what: 'the drop to be logged to the connector\'s logger' });
  const dropped = log.lines.filter((l) => String(l.msg).includes('dropped unsent'));
  assert.equal(dropped.length, 1, 'one line');
  assert.equal(dropped[0]?.level, 30, 'at info');
  assert.equal(dropped[0]?.code, 'ISO8583_ERR_CONNECTOR_ABORTED');
  assert.equal(dropped[0]?.mti, '0200');
  assert.equal(dropped[0]?.connector, 'bank');
  const pan = String(purchase('000904')['2']);
  assert.ok(!log.text().includes(pan) && !log.text().includes(pan.slice(-10)), 'no card number in the log');
  bank.send(first.socket, answer(first.message));
  await within(readUntil(a, /"39"/), DEADLINE, `the first client did not get its answer: ${a.text()}`);
});
