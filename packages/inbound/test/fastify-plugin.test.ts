import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { iso8583Inbound } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';

test('Fastify plugin – starts the endpoint when the app is ready, decorates app.inbound, closes it on app.close()', async (t) => {
  const app = Fastify({ logger: false });
  t.after(() => app.close());
  await app.register(iso8583Inbound, { name: 'pos', port: 0, sequence: approveAll });
  await app.register(iso8583Inbound, { name: 'atm', port: 0, sequence: 'host-simulator' });
  const pos = app.inbound.pos!;
  assert.equal(pos.address(), null);
  await app.ready();
  const address = pos.address();
  assert.ok(address !== null);
  assert.ok(app.inbound.atm?.address() !== null);
  const client = await TestClient.connect(address.port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  await app.close();
  assert.equal(pos.address(), null);
  assert.equal(app.inbound.atm?.address(), null);
});

test('Fastify plugin – invalid options fail the registration with the coded error', async () => {
  const app = Fastify({ logger: false });
  await assert.rejects(async () => {
    await app.register(iso8583Inbound, { port: -1, sequence: approveAll });
  }, { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  await app.close();
});

test('Fastify plugin – two endpoints with the same name are refused', async () => {
  const app = Fastify({ logger: false });
  app.register(iso8583Inbound, { port: 0, sequence: approveAll });
  app.register(iso8583Inbound, { port: 0, sequence: approveAll });
  await assert.rejects(async () => {
    await app.ready();
  }, { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  await app.close();
});
