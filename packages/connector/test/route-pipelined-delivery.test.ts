// Requests pipelined on one HTTP connection (HTTP/1.1 lets a client send the next before the first is answered): the
// answer of the second waits, made, until the first's is written, then is written whole. It reached its client, so it
// is not handed to `onUndelivered` (the gateway reverses an approval handed there); an answer still waiting when the
// client's connection closes never reached it, and is. A real bank peer, a real Fastify server, a raw socket client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { UndeliveredAnswerHandler } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const DEADLINE = 15_000;
/** The first purchase of a connection: the bank holds it until the test answers. */
const FIRST = '000901';

/**
 * A Fastify app with the connector's routes to a bank that holds {@link FIRST} and approves anything else at once.
 * `sent(stan)` resolves once the route has handed the approval of `stan` to its response (the `onSend` hook: the
 * answer is made; the delivery watch was set before it).
 */
async function pipelinedApp(t: AfterHook) {
  let heldFirst: (r: Received) => void = () => undefined;
  const first = new Promise<Received>((resolve) => (heldFirst = resolve));
  const bank = await peerFor(t, (r, p) => {
    if (r.message['11'] === FIRST) heldFirst(r);
    else p.send(r.socket, answer(r.message));
  });
  const undelivered: Parameters<UndeliveredAnswerHandler>[] = [];
  let told: () => void = () => undefined;
  const sends = new Map<string, () => void>();
  const app = Fastify();
  app.addHook('onSend', async (request, _reply, payload) => {
    sends.get(String((request.body as IsoMessage | undefined)?.['11']))?.();
    return payload;
  });
  await app.register(iso8583Connector, {
    name: 'bank', host: '127.0.0.1', port: bank.port,
    routes: { onUndelivered: (...args) => {
      undelivered.push(args);
      told();
    } },
  });
  const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  t.after(() => app.close());
  const port = Number(address.port);
  const request = (stan: string): string => {
    const body = JSON.stringify(purchase(stan));
    return `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  return {
    port, request, undelivered,
    first: async () => {
      const r = await within(first, DEADLINE, `the bank did not get ${FIRST}`);
      return () => bank.send(r.socket, answer(r.message));
    },
    sent: (stan: string) => new Promise<void>((resolve) => sends.set(stan, resolve)),
    nextUndelivered: () => new Promise<void>((resolve) => (told = resolve)),
  };
}

test('routes – an approval pipelined behind a request at the bank is written once the first is, and not reported undelivered', async (t) => {
  const app = await pipelinedApp(t);
  const client = rawHttp(app.port);
  t.after(() => client.socket.destroy());
  const secondSent = app.sent('000902');
  client.socket.write(app.request(FIRST) + app.request('000902'));
  const answerFirst = await app.first();
  // The second is approved and its answer made while the first's is still at the bank: it waits for the first's.
  await within(secondSent, DEADLINE, 'the second purchase was not answered');
  answerFirst();
  await within(readUntil(client, /"11":"000901"[\s\S]*"11":"000902"/), DEADLINE, `the client did not read both approvals: ${client.text()}`);
  assert.match(client.text(), /^HTTP\/1\.1 200 [\s\S]*"39":"00"[\s\S]*HTTP\/1\.1 200 [\s\S]*"39":"00"/);
  assert.deepEqual(app.undelivered.map(([request, , , reason]) => [request['11'], reason]), [],
    'an approval the client read was handed over as undelivered (the gateway would reverse it)');
});

test('routes – a pipelined approval still waiting when its client goes is reported undelivered (client-gone), as is the first', async (t) => {
  const app = await pipelinedApp(t);
  const client = rawHttp(app.port);
  const secondSent = app.sent('000902');
  client.socket.write(app.request(FIRST) + app.request('000902'));
  const answerFirst = await app.first();
  await within(secondSent, DEADLINE, 'the second purchase was not answered');
  const second = app.nextUndelivered();
  client.socket.destroy();
  await within(second, DEADLINE, 'the waiting approval of a client gone was not reported');
  assert.deepEqual(app.undelivered.map(([request, , , reason]) => [request['11'], reason]), [['000902', 'client-gone']]);
  const first = app.nextUndelivered();
  answerFirst();
  await within(first, DEADLINE, 'the first approval, answered after its client went, was not reported');
  assert.deepEqual(app.undelivered.map(([request, , , reason]) => [request['11'], reason]), [['000902', 'client-gone'], ['000901', 'client-gone']]);
});

test('routes – a dozen approvals waiting behind a request at the bank watch their connection with one listener: no leak warning', async (t) => {
  const app = await pipelinedApp(t);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const client = rawHttp(app.port);
  t.after(() => client.socket.destroy());
  const stans = Array.from({ length: 12 }, (_, i) => String(902 + i).padStart(6, '0'));
  const made = stans.map((stan) => app.sent(stan));
  client.socket.write(app.request(FIRST) + stans.map((stan) => app.request(stan)).join(''));
  const answerFirst = await app.first();
  // Every later answer is made (its delivery watched) while the first is at the bank: twelve wait on one connection.
  await within(Promise.all(made), DEADLINE, 'the pipelined purchases were not answered');
  answerFirst();
  await within(readUntil(client, /"11":"000913"/), DEADLINE, `the client did not read every approval: ${client.text()}`);
  // A warning is emitted on a later turn: one more turn of the event loop lets it come.
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), [], 'one listener a waiting answer on the connection');
  assert.deepEqual(app.undelivered, []);
});
