// The plugin's routes clashing with a route already served (the application's own POST / or POST /bank, another
// plugin's POST /raw, a GET /bank/transactions) are refused at register with ISO8583_ERR_CONNECTOR_OPTIONS naming
// routes.prefix and the route actually in conflict, not Fastify's uncoded FST_ERR_DUPLICATED_ROUTE: only POST
// {prefix}/raw was looked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { FileTransactionLog, iso8583Connector } from '../src/index.js';
import { tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const base = { host: '127.0.0.1', port: 1 };

/** Asserts `register` (then ready) fails with the options error naming routes.prefix, its reason matching `reason`. */
async function refusedNaming(t: AfterHook, app: FastifyInstance, register: () => PromiseLike<unknown>, reason: RegExp): Promise<void> {
  t.after(() => app.close().catch(() => undefined));
  await assert.rejects(
    async () => {
      await register();
      await app.ready();
    },
    (err: unknown) => {
      const e = err as { code?: string; field?: string; problems?: { field: string; reason: string }[] };
      assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `coded, not ${String(e.code)}`);
      assert.equal(e.field, 'routes.prefix');
      assert.match(e.problems?.[0]?.reason ?? '', reason);
      return true;
    },
  );
}

test("routes on '' after the application's own POST / are refused naming POST \"/\"", async (t) => {
  const app = Fastify();
  app.post('/', async () => 'mine');
  await refusedNaming(t, app, () => app.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '' } }), /POST "\/" is already served/);
});

test("routes on '/bank' after the application's own POST /bank (or /bank/) are refused naming it", async (t) => {
  const one = Fastify();
  one.post('/bank', async () => 'mine');
  await refusedNaming(t, one, () => one.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '/bank' } }), /POST "\/bank" is already served/);
  const two = Fastify();
  two.post('/bank/', async () => 'mine');
  await refusedNaming(t, two, () => two.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '/bank/' } }), /POST "\/bank\/" is already served/);
});

test("routes on '/raw' after another plugin's routes on '' are refused naming POST \"/raw\"", async (t) => {
  const app = Fastify();
  await refusedNaming(t, app, async () => {
    await app.register(iso8583Connector, { name: 'a', ...base, routes: { prefix: '' } });
    await app.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '/raw' } });
  }, /POST "\/raw" is already served/);
});

test('routes inside an app prefix clash with the route under that prefix, named whole', async (t) => {
  const app = Fastify();
  app.post('/api/raw', async () => 'mine');
  await refusedNaming(t, app, async () => {
    await app.register(async (child) => {
      await child.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '' } });
    }, { prefix: '/api' });
  }, /POST "\/api\/raw" is already served/);
});

test('with a transaction log, GET {prefix}/transactions already served is refused naming it; without one, no clash', async (t) => {
  const log = new FileTransactionLog(tempDir(t, 'route-clash'));
  t.after(() => log.close());
  const app = Fastify();
  app.get('/bank/transactions', async () => 'mine');
  await refusedNaming(t, app, () => app.register(iso8583Connector, { name: 'bank', ...base, transactionLog: log, routes: { prefix: '/bank' } }), /GET "\/bank\/transactions" is already served/);
  const plain = Fastify();
  t.after(() => plain.close());
  plain.get('/bank/transactions', async () => 'mine');
  await plain.register(iso8583Connector, { name: 'bank', ...base, routes: { prefix: '/bank' } });
  await plain.ready();
  assert.ok(plain.hasRoute({ method: 'POST', url: '/bank/raw' }));
});
