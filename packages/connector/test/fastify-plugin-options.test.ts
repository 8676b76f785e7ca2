// The plugin's `routes` option is checked at register: a wrong key, type or value is refused with
// ISO8583_ERR_CONNECTOR_OPTIONS naming it (was: `via: 'x'` answered 500 to every request, `answers: 'socketQueue'`
// served the plain body, `prefix: 5`, `prefx`, `routes: true` reached ready). Two plugins mounting routes on one
// prefix are refused with the same code naming routes.prefix (was Fastify's uncoded FST_ERR_DUPLICATED_ROUTE).
// No socket is opened: the registration fails before ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { iso8583Connector } from '../src/index.js';
import type { Iso8583ConnectorPluginOptions } from '../src/index.js';

const base = { host: '127.0.0.1', port: 1 };

/** Registers each of `registrations` on one app; asserts ready() fails with the options error naming `field`. */
async function refused(registrations: Iso8583ConnectorPluginOptions[], field: string, reason?: RegExp): Promise<void> {
  const app = Fastify();
  try {
    await assert.rejects(
      async () => {
        for (const options of registrations) await app.register(iso8583Connector, options);
        await app.ready();
      },
      (err: unknown) => {
        const e = err as { code?: string; problems?: { field: string; code: string; reason: string }[] };
        assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `coded, not ${String(e.code)}`);
        const p = e.problems?.find((x) => x.field === field);
        assert.ok(p !== undefined, `names ${field}: ${JSON.stringify(e.problems)}`);
        assert.equal(p.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        if (reason !== undefined) assert.match(p.reason, reason);
        return true;
      },
    );
  } finally {
    await app.close().catch(() => undefined);
  }
}

const bad = (routes: unknown): Iso8583ConnectorPluginOptions => ({ name: 'bank', ...base, routes } as unknown as Iso8583ConnectorPluginOptions);

test('routes.via that is no function is refused at register', async () => {
  await refused([bad({ via: 'x' })], 'routes.via', /function/);
});

test('routes.answers other than plain or socketqueue is refused (wrong case included)', async () => {
  await refused([bad({ answers: 'socketQueue' })], 'routes.answers', /plain or socketqueue/);
});

test('routes.prefix that is no string, or does not start with /, is refused', async () => {
  await refused([bad({ prefix: 5 })], 'routes.prefix');
  await refused([bad({ prefix: 'bank' })], 'routes.prefix');
});

test('routes.onUndelivered that is no function is refused', async () => {
  await refused([bad({ onUndelivered: true })], 'routes.onUndelivered');
});

test('an unknown key of routes, and routes that is neither false nor an object, are refused', async () => {
  await refused([bad({ prefx: '/x' })], 'routes.prefx');
  await refused([bad(true)], 'routes');
  await refused([bad([])], 'routes');
});

test('two plugins mounting their routes on one prefix: the second is refused naming routes.prefix and the prefix', async () => {
  await refused([{ name: 'a', ...base, routes: {} }, { name: 'b', ...base, routes: { prefix: '' } }], 'routes.prefix', /POST "\/" is already served/);
  await refused([{ name: 'a', ...base, routes: { prefix: '/bank' } }, { name: 'b', ...base, routes: { prefix: '/bank' } }], 'routes.prefix', /"\/bank"/);
});

test('right routes options reach ready: each documented key, two prefixes, routes false', async () => {
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'a',
    ...base,
    routes: { prefix: '', answers: 'socketqueue', via: () => undefined, onUndelivered: () => undefined },
  });
  await app.register(iso8583Connector, { name: 'b', ...base, routes: { prefix: '/b', answers: 'plain' } });
  await app.register(iso8583Connector, { name: 'c', ...base, routes: false });
  await app.register(async (child) => {
    await child.register(iso8583Connector, { name: 'd', ...base, routes: {} });
  }, { prefix: '/d' });
  // Not ready(): that would connect; the routes are mounted at register.
  await app.after();
  assert.ok(app.hasRoute({ method: 'POST', url: '/b/raw' }));
  assert.ok(app.hasRoute({ method: 'POST', url: '/d/raw' }));
});

test('two connectors of one name in sibling encapsulated contexts: the second is refused naming name; another app may use the name', async () => {
  const app = Fastify();
  const other = Fastify();
  try {
    for (const prefix of ['/a', '/b']) {
      void app.register(async (child) => {
        await child.register(iso8583Connector, { name: 'bank', ...base, routes: {} });
      }, { prefix });
    }
    await assert.rejects(async () => { await app.ready(); }, (err: unknown) => {
      const e = err as { code?: string; field?: string; message?: string };
      assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `coded, not ${String(e.code)}: ${String(e.message)}`);
      assert.equal(e.field, 'name');
      assert.match(String(e.message), /"bank" is already registered on this server/);
      return true;
    });
    // Not ready(): that would connect; the name is checked at register.
    await other.register(iso8583Connector, { name: 'bank', ...base });
    await other.after();
    assert.ok(other.iso8583['bank'] !== undefined);
  } finally {
    await app.close().catch(() => undefined);
    await other.close().catch(() => undefined);
  }
});
