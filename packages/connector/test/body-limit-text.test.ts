// A body past the server's limit is refused 413 with a reason that names the limit and the option that sets it
// (Fastify's `bodyLimit`): the connector plugin's routes on a server with its own bodyLimit, and a route that hands
// its limit to `bodyProblem`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { httpCall } from '@iso8583/test-support';
import { bodyProblem, iso8583Connector } from '../src/index.js';
import { answer, startPeer } from './peer.js';

test('body limit – the plugin\'s routes answer 413 naming the server\'s bodyLimit in bytes, never "too large" alone; the bank sees nothing', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify({ logger: false, bodyLimit: 2048 });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  const port = (app.server.address() as { port: number }).port;
  const body = JSON.stringify({ '0': '0200', '11': '000001', '48': 'x'.repeat(4096) });
  const refused = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, body);
  assert.equal(refused.status, 413);
  const errors = (JSON.parse(refused.body) as { errors: Array<{ code: string; message: string }> }).errors;
  assert.equal(errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
  assert.equal(errors[0]?.message, 'the body is larger than its limit, 2048 bytes (bodyLimit)', 'the server\'s own limit, not Fastify\'s default');
  assert.equal(peer.received.length, 0, 'nothing reached the bank');
});

test('body limit – given the route\'s limit, the reason names it in bytes with bodyLimit', async (t) => {
  const app = Fastify({ logger: false, bodyLimit: 100 });
  app.setErrorHandler((err, request, reply) => {
    const { status, reason } = bodyProblem(err, request.routeOptions.bodyLimit);
    return reply.code(status).send({ reason });
  });
  app.post('/', async () => ({ ok: true }));
  t.after(() => app.close());
  const refused = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(200) }) });
  assert.equal(refused.statusCode, 413);
  assert.deepEqual(refused.json(), { reason: 'the body is larger than its limit, 100 bytes (bodyLimit)' });
  // A limit that is not a byte count says nothing wrong: the reason falls back to the option and Fastify's default.
  assert.equal(bodyProblem({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, Number.NaN).reason, 'the body is larger than its limit (bodyLimit: Fastify\'s default is 1048576 bytes)');
});
