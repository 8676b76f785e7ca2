// routes.answers 'socketqueue': a failure answers as SocketQueue's sendReply does, { result: "", errors: [strings] }
// (a timeout, at the bank or behind its terminal in the queue: "Gateway timeout").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { iso8583Connector } from '../src/index.js';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';

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

test('SocketQueue answers – a request that waited too long behind its terminal (QUEUE_TIMEOUT) is 504 "Gateway timeout" too', async (t) => {
  const held: Received[] = [];
  const peer = await startPeer((r) => {
    held.push(r);
  }); // holds every request: the terminal's first stays at the bank
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank', host: '127.0.0.1', port: peer.port, requestTimeout: 20_000, reversal: { enabled: false },
    terminalQueue: { enabled: true, timeout: 200 },
    routes: { prefix: '', answers: 'socketqueue' },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  const post = (body: unknown) => fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const first = post(purchase('000711', 'TERM0007'));
  await waitUntil(() => held.length === 1, { what: 'the first request of TERM0007 at the bank' });
  const queued = await post(purchase('000712', 'TERM0007'));
  assert.equal(queued.status, 504);
  assert.deepEqual(await queued.json(), { result: '', errors: ['Gateway timeout'] });
  assert.equal(held.length, 1, 'the queued request never reached the bank');
  const r = held[0] as Received;
  peer.send(r.socket, answer(r.message));
  assert.equal((await first).status, 200);
});
