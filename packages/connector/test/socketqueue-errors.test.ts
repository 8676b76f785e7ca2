// routes.answers 'socketqueue': a failure answers as SocketQueue's sendReply does, { result: "", errors: [strings] }.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { iso8583Connector } from '../src/index.js';
import { purchase, startPeer } from './peer.js';

test('SocketQueue answers – a timeout is 504 { result: "", errors: ["Gateway timeout"] }; an invalid message one string per field', async (t) => {
  const peer = await startPeer(() => undefined); // never answers
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank', host: '127.0.0.1', port: peer.port, requestTimeout: 200, reversal: { enabled: false },
    routes: { prefix: '', answers: 'socketqueue' },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  const post = (body: unknown) => fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const timeout = await post(purchase('000701'));
  assert.equal(timeout.status, 504);
  const body = (await timeout.json()) as { result: unknown; errors: unknown[] };
  assert.deepEqual(body, { result: '', errors: ['Gateway timeout'] });
  // SocketQueue's clients read r.result["39"] (undefined on "", where null throws) and r.errors.join() (text).
  const invalid = await post({ ...purchase('000702'), '2': '4111x', '4': 'abc' });
  assert.equal(invalid.status, 400);
  const errors = ((await invalid.json()) as { result: unknown; errors: unknown[] }).errors;
  assert.ok(errors.every((e) => typeof e === 'string'));
  assert.deepEqual(errors.map((e) => String(e).split(':')[0]), ['Field 2', 'Field 4']);
  assert.doesNotMatch(errors.join(' '), /4111/);
  const malformed = await fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  assert.equal(malformed.status, 400);
  const bad = (await malformed.json()) as { result: unknown; errors: unknown[] };
  assert.equal(bad.result, '');
  assert.equal(typeof bad.errors[0], 'string');
});
