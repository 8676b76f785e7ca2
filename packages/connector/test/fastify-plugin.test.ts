// The Fastify plugin: named connectors on `app.iso8583`, closed on `onClose`, and HTTP routes over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { fromXml } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const peer = await startPeer((r, p) => {
    const stan = r.message['11'];
    if (stan === '000504') return; // never answered -> 504
    if (stan === '000502') {
      r.socket.destroy(); // lost -> 502
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' }, reconnect: { initialDelay: 5, maxDelay: 10 } });
  await app.register(iso8583Connector, { name: 'other', host: '127.0.0.1', port: peer.port, routes: { prefix: '/other' } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  return { app, address, peer };
}

test('plugin – decorates app.iso8583 with each named connector and closes them on onClose', async (t) => {
  const { app } = await setup(t);
  assert.deepEqual(Object.keys(app.iso8583).sort(), ['bank', 'other']);
  assert.equal(app.iso8583.bank?.name, 'bank');
  await app.iso8583.bank?.connect();
  await app.close();
  await assert.rejects(app.iso8583.bank!.request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
});

test('plugin – invalid options fail the registration with the options error', async () => {
  const app = Fastify();
  await assert.rejects(async () => {
    await app.register(iso8583Connector, { name: 'bad', host: '', port: 0 });
    await app.ready();
  }, { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
  await app.close().catch(() => undefined);
});

test('routes – POST / with JSON answers { result, errors: [] }; with XML answers XML', async (t) => {
  const { address } = await setup(t);
  const json = await fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000101')) });
  assert.equal(json.status, 200);
  const body = (await json.json()) as { result: Record<string, string>; errors: unknown[] };
  assert.deepEqual(body.errors, []);
  assert.equal(body.result['0'], '0210');
  assert.equal(body.result['11'], '000101');
  const xmlIn = `<ISOMessage><data><field id="0">0200</field><field id="3">000000</field><field id="4">000000000100</field><field id="11">000102</field><field id="41">TERM0001</field></data></ISOMessage>`;
  const xml = await fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xmlIn });
  assert.equal(xml.status, 200);
  assert.match(String(xml.headers.get('content-type')), /xml/);
  assert.equal(fromXml(await xml.text()).message['11'], '000102');
  const other = await fetch(`${address}/other/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000103')) });
  assert.equal(other.status, 200);
});

test('routes – POST /raw with hex answers the response in hex', async (t) => {
  const { address, peer } = await setup(t);
  const hex = peer.codec.pack(purchase('000201')).toString('hex');
  const res = await fetch(`${address}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hex });
  assert.equal(res.status, 200);
  const out = peer.codec.unpack(Buffer.from(await res.text(), 'hex'));
  assert.equal(out['0'], '0210');
  assert.equal(out['11'], '000201');
  const bad = await fetch(`${address}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'zz' });
  assert.equal(bad.status, 400);
});

test('routes – 400 names the invalid fields, 504 on timeout, 502 on a lost connection, 503 when closing', async (t) => {
  const { app, address } = await setup(t);
  const invalid = await fetch(`${address}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...purchase('000301'), '4': 'ABC' }),
  });
  assert.equal(invalid.status, 400);
  const ib = (await invalid.json()) as { result: null; errors: { code: string; problems: { field: string }[]; message: string }[] };
  assert.equal(ib.result, null);
  assert.ok(ib.errors[0]?.problems.some((p) => p.field === '4'));
  assert.doesNotMatch(JSON.stringify(ib), /4111111111111111/);
  const timeout = await fetch(`${address}/?timeout=50`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000504')) });
  assert.equal(timeout.status, 504);
  assert.equal(((await timeout.json()) as { errors: { code: string }[] }).errors[0]?.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const lost = await fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000502')) });
  assert.equal(lost.status, 502);
  await app.iso8583.other?.close();
  const closed = await fetch(`${address}/other/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000503')) });
  assert.equal(closed.status, 503);
});

test('routes – 503 when no connection is free within the acquire timeout (exclusive pool exhausted)', async (t) => {
  // The host holds its answers until the test has the second request's 503 (a gate, not a delay that a busy machine
  // could outlast before the second request even arrives).
  const held: Received[] = [];
  let holding = true;
  const peer = await startPeer((r, p) => (holding ? void held.push(r) : p.send(r.socket, answer(r.message))));
  const release = (): void => {
    holding = false;
    for (const r of held.splice(0)) peer.send(r.socket, answer(r.message));
  };
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'busy',
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 100 },
    routes: { prefix: '' },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    release(); // a failed test too: closing the app waits for the requests in flight
    await app.close();
    await peer.close();
  });
  await app.iso8583.busy?.connect();
  const post = (stan: string) =>
    fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase(stan)) });
  const first = post('000601');
  await peer.waitFor(1);
  const second = await within(post('000602'), 10_000, 'the second request answered while the only connection is held');
  assert.equal(second.status, 503);
  assert.equal(((await second.json()) as { errors: { code: string }[] }).errors[0]?.code, 'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED');
  release();
  assert.equal((await first).status, 200);
});
