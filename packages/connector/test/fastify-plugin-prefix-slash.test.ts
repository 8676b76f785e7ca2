// The plugin's `routes.prefix` ending in `/` (`/iso/`) is read as Fastify users expect, as the prefix without it
// (`/iso`), so the routes are `POST /iso`, `POST /iso/`, `POST /iso/raw`, `GET /iso/transactions`. Was: Fastify's
// own `/` handling under a `/iso/` prefix served `POST /iso/` and `POST /iso//` but not `POST /iso` (404), and the
// check for routes already mounted looked for `/iso//raw`: a second plugin on `/iso/` (or on `/iso` inside an app
// prefix ending in `/`) got Fastify's uncoded FST_ERR_DUPLICATED_ROUTE, not the coded error naming routes.prefix.
// No socket is opened: the routes are mounted at register, before ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { iso8583Connector } from '../src/index.js';

const base = { host: '127.0.0.1', port: 1 };

/** Asserts `registering` fails with the options error naming routes.prefix (not Fastify's duplicate-route error). */
async function refusedPrefix(app: FastifyInstance, registering: () => Promise<void>): Promise<void> {
  try {
    await assert.rejects(registering, (err: unknown) => {
      const e = err as { code?: string; problems?: { field: string }[] };
      assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `coded, not ${String(e.code)}`);
      assert.ok(e.problems?.some((p) => p.field === 'routes.prefix'), JSON.stringify(e.problems));
      return true;
    });
  } finally {
    await app.close().catch(() => undefined);
  }
}

test('routes.prefix "/iso/" mounts the routes of "/iso": POST /iso, /iso/, /iso/raw, GET /iso/transactions', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '/iso/' } });
  await app.after();
  for (const url of ['/iso', '/iso/', '/iso/raw']) assert.ok(app.hasRoute({ method: 'POST', url }), `POST ${url}`);
  for (const url of ['/iso//', '/iso//raw']) assert.ok(!app.hasRoute({ method: 'POST', url }), `no POST ${url}`);
});

test('routes.prefix "/iso/" after a plugin on "/iso" (and "/iso//" after "/iso/") is refused naming routes.prefix', async () => {
  const one = Fastify();
  await refusedPrefix(one, async () => {
    await one.register(iso8583Connector, { name: 'a', ...base, routes: { prefix: '/iso' } });
    await one.register(iso8583Connector, { name: 'b', ...base, routes: { prefix: '/iso/' } });
    await one.after();
  });
  const two = Fastify();
  await refusedPrefix(two, async () => {
    await two.register(iso8583Connector, { name: 'a', ...base, routes: { prefix: '/iso/' } });
    await two.register(iso8583Connector, { name: 'b', ...base, routes: { prefix: '/iso//' } });
    await two.after();
  });
});

test('two plugins on "/iso" inside an app prefix ending in "/": the second is refused naming routes.prefix', async () => {
  const app = Fastify();
  await refusedPrefix(app, async () => {
    await app.register(async (child) => {
      await child.register(iso8583Connector, { name: 'a', ...base, routes: { prefix: '/iso' } });
      await child.register(iso8583Connector, { name: 'b', ...base, routes: { prefix: '/iso' } });
    }, { prefix: '/api/' });
    await app.after();
  });
});
