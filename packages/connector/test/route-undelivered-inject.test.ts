// `routes.onUndelivered` is told only of answers the client did not get. Driven by `app.inject` (light-my-request, as
// serverless adapters and integrators' tests drive an app), a response written whole closes with `writableFinished`
// false (its null socket still holds the bytes): each approval the client got was reported `client-gone`, and a
// reversing handler reversed it. A real client that leaves before its answer is still reported. A handler that
// returns a rejected promise is logged like a throw, not an unhandled rejection that ends the process.
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { rawHttp, waitUntil, within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { Connector, UndeliveredAnswerHandler } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger } from './helpers/setup.js';
import { holdingPeer } from './helpers/reversals.js';
import type { AfterHook } from './helpers/setup.js';

const DEADLINE = 15_000;

/** The routes (prefix '') to a bank that answers at once, or holds `held` until the test answers it. */
async function app(t: AfterHook, onUndelivered: UndeliveredAnswerHandler, held?: string) {
  const { peer: bank, arrived: atBank } = await holdingPeer(t, held);
  const log = capturedLogger('info');
  const fastify = Fastify({ loggerInstance: log.logger });
  // Each response's close, as the routes see it (this listener is added before theirs: theirs has run when it resolves).
  const closed: Promise<unknown>[] = [];
  fastify.addHook('onRequest', async (_request, reply) => {
    closed.push(once(reply.raw, 'close'));
  });
  await fastify.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: bank.port, routes: { prefix: '', onUndelivered } });
  t.after(async () => {
    fastify.server.closeAllConnections();
    await fastify.close();
  });
  return { fastify, bank, atBank, closed, log, connector: () => fastify.iso8583['bank'] as Connector };
}

/** The injected request carrying `message` on the JSON, XML or /raw route. */
function injected(route: 'JSON' | 'XML' | 'raw', message: IsoMessage, connector: Connector) {
  const [url, type, payload] =
    route === 'JSON'
      ? ['/', 'application/json', JSON.stringify(message)]
      : route === 'XML'
        ? ['/', 'application/xml', `<ISOMessage><data>${Object.entries(message).map(([id, v]) => `<field id="${id}">${String(v)}</field>`).join('')}</data></ISOMessage>`]
        : ['/raw', 'application/json', JSON.stringify({ hex: connector.codec.pack(message).toString('hex') })];
  return { method: 'POST' as const, url, headers: { 'content-type': type }, payload };
}

for (const route of ['JSON', 'XML', 'raw'] as const) {
  test(`routes (${route}) under app.inject – an answer written whole is not reported undelivered`, async (t) => {
    const told: string[] = [];
    const { fastify, bank, closed, connector } = await app(t, (request, _answer, _upstream, reason) => void told.push(`${String(request['11'])} ${reason}`));
    await fastify.ready();
    await connector().connect();
    const res = await fastify.inject(injected(route, purchase('000951'), connector()));
    assert.equal(res.statusCode, 200, res.body);
    await within(closed[0] as Promise<unknown>, DEADLINE, 'the response did not close');
    assert.equal(bank.received.length, 1);
    assert.deepEqual(told, [], 'an approval the client got was handed over as undelivered (a gateway would reverse it)');
  });
}

test('routes – a real client that leaves before its answer is still reported undelivered (client-gone)', async (t) => {
  const told: string[] = [];
  const { fastify, bank, atBank, closed } = await app(t, (request, _answer, _upstream, reason) => void told.push(`${String(request['11'])} ${reason}`), '000952');
  const port = Number(new URL(await fastify.listen({ port: 0, host: '127.0.0.1' })).port);
  const client = rawHttp(port);
  const body = JSON.stringify(purchase('000952'));
  client.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const first = await within(atBank, DEADLINE, 'the bank did not get the purchase');
  client.socket.destroy();
  await within(closed[0] as Promise<unknown>, DEADLINE, 'the server did not see the client leave');
  bank.send(first.socket, answer(first.message));
  await waitUntil(() => told.length > 0, { what: 'the approval of a client gone to be reported undelivered' });
  assert.deepEqual(told, ['000952 client-gone']);
});

test('routes – an onUndelivered whose promise rejects is logged like a throw, and the process lives on', async (t) => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  const { fastify, bank, atBank, closed, log } = await app(t, async () => {
    await Promise.resolve();
    throw Object.assign(new Error('the reversal was refused'), { code: 'ISO8583_ERR_TEST_REFUSED' });
  }, '000953');
  const port = Number(new URL(await fastify.listen({ port: 0, host: '127.0.0.1' })).port);
  const client = rawHttp(port);
  const body = JSON.stringify(purchase('000953'));
  client.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const first = await within(atBank, DEADLINE, 'the bank did not get the purchase');
  client.socket.destroy();
  await within(closed[0] as Promise<unknown>, DEADLINE, 'the server did not see the client leave');
  bank.send(first.socket, answer(first.message));
  await waitUntil(() => log.lines.some((l) => l.msg === 'onUndelivered failed') || rejections.length > 0, { what: 'the rejection to be logged' });
  assert.deepEqual(rejections, [], 'the rejection went unhandled (the process would end)');
  const failed = log.lines.find((l) => l.msg === 'onUndelivered failed');
  assert.match(JSON.stringify(failed), /ISO8583_ERR_TEST_REFUSED/);
});
