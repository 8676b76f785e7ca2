// A body Fastify refuses before any route runs (JSON that does not parse, a body over the limit) on a request no route
// takes, or on `/stats`, is answered with the coded ISO8583_ERR_CONSOLE_INPUT naming `body` (docs/errors.md), never
// Fastify's own answer (FST_ERR_CTP_INVALID_JSON_BODY, FST_ERR_CTP_BODY_TOO_LARGE): on the HTTP port, on a listener
// with the not-found answer alone (the gateway's --metrics port), and with SocketQueue's HTTP service in its shape.
// Real HTTP apps on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fastify from 'fastify';
import { Registry } from 'prom-client';
import { failureBody } from '@iso8583/connector';
import { announcedTooLarge, httpCall } from '@iso8583/test-support';
import { assembleHttp } from '../src/http/app.js';
import { answerNotFound } from '../src/http/not-found.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** A request with the body `{bad` (not JSON). */
function badJson(port: number, method: string, path: string): ReturnType<typeof httpCall> {
  return httpCall(port, method, path, { ...JSON_TYPE, 'content-length': '4' }, '{bad');
}

test('HTTP port – a body refused before any route is answered coded, on a path no route takes and on /stats', async (t) => {
  const http = await assembleHttp({ connectors: {}, monitoring: { registry: new Registry(), stats: () => ({}) } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  for (const path of ['/no-such-path', '/stats']) {
    const bad = await badJson(port, 'POST', path);
    assert.equal(bad.status, 400, path);
    assert.deepEqual(JSON.parse(bad.body), { error: { code: 'ISO8583_ERR_CONSOLE_INPUT', message: 'body: the body is not valid JSON', field: 'body' } }, path);
  }
  const large = await announcedTooLarge(port, '/no-such-path', 2 * 1024 * 1024);
  assert.equal(large.status, 413);
  assert.deepEqual(JSON.parse(large.body), { error: { code: 'ISO8583_ERR_CONSOLE_INPUT', message: 'body: the body is larger than its limit, 262144 bytes (bodyLimit)', field: 'body' } });
  // A body that parses still finds no route: the coded 404.
  const found = await httpCall(port, 'POST', '/no-such-path', { ...JSON_TYPE, 'content-length': '7' }, '{"a":1}');
  assert.equal(found.status, 404);
  assert.equal((JSON.parse(found.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_NOT_FOUND');
});

test('a listener with the not-found answer (the --metrics port) – a refused body is coded; other errors keep Fastify\'s handler', async (t) => {
  const app = fastify();
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  answerNotFound(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const port = (app.server.address() as { port: number }).port;
  const bad = await badJson(port, 'POST', '/nope');
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.body) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_INPUT');
  const boom = await httpCall(port, 'GET', '/boom', {});
  assert.equal(boom.status, 500, 'an error of a route is still Fastify\'s 500');
});

test('HTTP port with SocketQueue\'s HTTP service – a refused body on a path no route takes is answered in its shape', async (t) => {
  const http = await assembleHttp({ connectors: {}, socketQueue: 'plain' });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  for (const method of ['PUT', 'DELETE']) {
    const bad = await badJson(port, method, '/nope');
    assert.equal(bad.status, 400, method);
    assert.deepEqual(JSON.parse(bad.body), failureBody('plain', { code: 'ISO8583_ERR_CONSOLE_INPUT', message: 'body: the body is not valid JSON' }), method);
  }
});
