// Names that are keys of Object.prototype are names like any other: an upstream named `__proto__` has its entry in the
// group's stats() (it used to set the object's prototype and vanish), and the plugin registers connectors named
// `toString`, `constructor` and `__proto__` (it used to refuse them as already registered, reading Object.prototype).
// No socket is opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createUpstreamGroup, iso8583Connector } from '../src/index.js';

test('an upstream named __proto__ has its own entry in the group stats', async (t) => {
  const group = createUpstreamGroup({ upstreams: [{ name: '__proto__', host: '127.0.0.1', port: 1 }, { name: 'b', host: '127.0.0.1', port: 1 }] });
  t.after(() => group.destroy());
  const stats = group.stats();
  assert.deepEqual(Object.keys(stats), ['__proto__', 'b']);
  assert.ok(Object.hasOwn(stats, '__proto__'));
  // Never started: not down (a request routed to it would wait for its first connect attempt), not up.
  assert.equal(stats['__proto__']?.state, 'connecting');
  assert.equal(Object.getPrototypeOf(stats), Object.prototype, 'the prototype is untouched');
  assert.match(JSON.stringify(stats), /^\{"__proto__":\{"state":"connecting"/);
});

test('the plugin registers connectors named after Object.prototype keys, and still refuses a real second registration', async () => {
  const app = Fastify();
  try {
    for (const name of ['toString', 'constructor', '__proto__']) await app.register(iso8583Connector, { name, host: '127.0.0.1', port: 1 });
    await app.after();
    assert.deepEqual(Object.keys(app.iso8583), ['toString', 'constructor', '__proto__']);
    assert.equal(app.iso8583['__proto__']?.name, '__proto__');
    assert.equal(app.iso8583['toString']?.name, 'toString');
    await assert.rejects(
      async () => {
        await app.register(iso8583Connector, { name: 'toString', host: '127.0.0.1', port: 1 });
        await app.after();
      },
      { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'name' },
    );
  } finally {
    for (const c of Object.values(app.iso8583 ?? {})) await c.destroy();
  }
});
