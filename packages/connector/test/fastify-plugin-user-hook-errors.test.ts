// An error from the application's own hook on the plugin's routes (a 503 of a load shedder, a 401 of an auth hook)
// is the application's: it is answered by the application's error handler, with its own status and code, exactly as on
// the application's own routes. Was: the routes' error handler took every error of their context, so a 503
// FST_UNDER_PRESSURE came back as 500 ISO8583_ERR_INTERNAL (logged as a route failure) and a 401 as 401
// ISO8583_ERR_CONNECTOR_INPUT "the request cannot be read". A body the routes' parsers refuse still answers in the
// routes' shape. Real server on 127.0.0.1, real HTTP requests; no upstream is reached (the hook answers first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { iso8583Connector } from '../src/index.js';

/** An app whose preHandler hook throws an error of `statusCode` and `code` for requests with `x-fail`, the plugin's routes on /bank and a route of its own on /own. */
async function appWithHook(statusCode: number, code: string): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  app.addHook('preHandler', async (request) => {
    if (request.headers['x-fail'] !== undefined) throw Object.assign(new Error('the hook refused it'), { statusCode, code });
  });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: 1, routes: { prefix: '/bank' } });
  app.post('/own', async () => ({ ok: true }));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: address };
}

/** POSTs an 0800 to `url` (with `x-fail` when `fail`) and gives the status and the parsed body. */
async function post(url: string, fail = true): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(fail ? { 'x-fail': '1' } : {}) },
    body: JSON.stringify({ '0': '0800', '11': '000001', '70': '301' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const [statusCode, code] of [
  [503, 'FST_UNDER_PRESSURE'],
  [401, 'APP_UNAUTHORIZED'],
] as const) {
  test(`a ${statusCode} ${code} from the app's own preHandler hook keeps its status and code on the plugin's routes, as on the app's own`, async (t) => {
    const { app, base } = await appWithHook(statusCode, code);
    t.after(() => app.close());
    const own = await post(`${base}/own`);
    assert.equal(own.status, statusCode);
    assert.equal(own.body.code, code);
    for (const path of ['/bank', '/bank/raw']) {
      const routes = await post(`${base}${path}`);
      assert.deepEqual(routes, own, `POST ${path} is answered as the app's own route`);
    }
  });
}

test('a body the routes refuse still answers in the routes\' shape with the hook in place', async (t) => {
  const { app, base } = await appWithHook(503, 'FST_UNDER_PRESSURE');
  t.after(() => app.close());
  const res = await fetch(`${base}/bank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"4":25.00}' });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { result: unknown; errors: { code: string }[] };
  assert.equal(body.result, null);
  assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
});
