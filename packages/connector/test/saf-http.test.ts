// Store and forward over HTTP (the plugin's routes: `?saf=true` or `"saf": true`) and through an upstream group (SAF
// depth per upstream in stats and metrics, label `upstream`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { createCodec } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { createUpstreamGroup, iso8583Connector } from '../src/index.js';
import type { Connector, SafEvent } from '../src/index.js';
import { answer, startPeer } from './peer.js';
import { downPort, tempDir } from './helpers/setup.js';

function advice(stan: string): IsoMessage {
  return { '0': '0220', '2': '4111111111111111', '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': 'TERM0001', '49': '840' };
}

/** Resolves once `n` entries were answered; fails with a message after `deadline` ms. */
function delivered(connector: Connector, n: number, deadline = 10_000): Promise<SafEvent[]> {
  const seen: SafEvent[] = [];
  return eventWithin(deadline, () => `${seen.length} of ${n} SAF entries answered within ${deadline} ms`, (resolve) => {
    connector.on('saf', (e) => {
      if (e.stage !== 'answered') return;
      seen.push(e);
      if (seen.length === n) resolve(seen);
    });
  });
}

test('routes – an advice with ?saf=true or "saf": true is answered 202 { saf: true, id } and delivered', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank',
    host: '127.0.0.1',
    port: peer.port,
    routes: { prefix: '' },
    saf: { enabled: true, journalDir: tempDir(t, 'saf-http') },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  const bank = app.iso8583.bank as Connector;
  const all = delivered(bank, 4);
  const ids: string[] = [];
  const post = async (path: string, body: string, type = 'application/json'): Promise<Response> =>
    fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  const query = await post('/?saf=true', JSON.stringify(advice('200001')));
  assert.equal(query.status, 202);
  const q = (await query.json()) as { result: { saf: boolean; id: string }; errors: unknown[] };
  assert.equal(q.result.saf, true);
  assert.deepEqual(q.errors, []);
  ids.push(q.result.id);

  const flag = await post('/', JSON.stringify({ ...advice('200002'), saf: true }));
  assert.equal(flag.status, 202);
  ids.push(((await flag.json()) as { result: { id: string } }).result.id);

  const xmlIn = `<ISOMessage><data><field id="0">0220</field><field id="3">000000</field><field id="4">000000000100</field><field id="11">200003</field><field id="41">TERM0001</field></data></ISOMessage>`;
  const xml = await post('/?saf=1', xmlIn, 'application/xml');
  assert.equal(xml.status, 202);
  const xmlOut = await xml.text();
  const m = /^<saf id="([^"]+)"\/>$/.exec(xmlOut);
  assert.ok(m, xmlOut);
  ids.push(m[1] as string);

  const hex = createCodec('iso87ascii').pack(advice('200004')).toString('hex');
  const raw = await post('/raw', JSON.stringify({ hex, saf: true }));
  assert.equal(raw.status, 202);
  ids.push(((await raw.json()) as { result: { id: string } }).result.id);

  const events = await all;
  assert.deepEqual(events.map((e) => e.id).sort(), [...ids].sort());
  assert.deepEqual(peer.received.map((r) => r.message['11']).sort(), ['200001', '200002', '200003', '200004']);
  assert.equal(bank.stats().safDelivered, 4);
});

test('routes – saf on a 0200 is a 400 naming saf; a saf flag that is not a boolean is a 400 too', async (t) => {
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank',
    host: '127.0.0.1',
    port: await downPort(t),
    routes: { prefix: '' },
    saf: { enabled: true, journalDir: tempDir(t, 'saf-http') },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const purchase = { ...advice('200101'), '0': '0200' };
  const res = await fetch(`${address}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...purchase, saf: true }) });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { result: null; errors: { code: string; field: string }[] };
  assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_SAF');
  assert.equal(body.errors[0]?.field, 'saf');
  const bad = await fetch(`${address}/?saf=yes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(advice('200102')) });
  assert.equal(bad.status, 400);
  const badBody = (await bad.json()) as { errors: { code: string; field: string }[] };
  assert.equal(badBody.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal(badBody.errors[0]?.field, 'saf');
});

test('group – an advice for an upstream that is down waits in its SAF queue: depth in stats and metrics (label upstream)', async (t) => {
  const port = await downPort(t);
  const dir = tempDir(t, 'saf-http');
  const group = createUpstreamGroup({
    upstreams: [
      { name: 'auth', host: '127.0.0.1', port: await downPort(t), connectTimeout: 200 },
      {
        name: 'advices',
        host: '127.0.0.1',
        port,
        connectTimeout: 200,
        reconnect: { initialDelay: 10, maxDelay: 50 },
        pool: { acquireTimeout: 100 },
        saf: { enabled: true, journalDir: dir, retryInterval: 300 },
      },
    ],
    routes: [{ mtiClass: '2', upstream: 'advices' }],
  });
  t.after(() => group.destroy());
  await group.started();
  const receipt = await group.request(advice('200201'), { saf: true });
  assert.equal(receipt.saf, true);
  assert.equal(group.stats()['advices']?.safDepth, 1);
  assert.equal(group.stats()['auth']?.safDepth, 0);
  assert.match(await group.registry.metrics(), /iso8583_upstream_saf_depth\{upstream="advices"\} 1/);
  const connector = group.connectors.get('advices') as Connector;
  assert.match(await connector.registry.metrics(), /iso8583_connector_saf_depth\{connector="advices"\} 1/);

  const done = delivered(connector, 1);
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { port });
  t.after(() => peer.close());
  await done;
  assert.equal(group.stats()['advices']?.safDepth, 0);
  assert.equal(group.stats()['advices']?.safDelivered, 1);
  assert.match(await group.registry.metrics(), /iso8583_upstream_saf_depth\{upstream="advices"\} 0/);
});

test('routes – a saf flag the query and the body give differently is a 400 naming saf, and nothing is stored; the same in both is stored', async (t) => {
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: await downPort(t), routes: { prefix: '' }, saf: { enabled: true, journalDir: tempDir(t, 'saf-conflict') } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const bank = app.iso8583['bank'] as Connector;
  const post = async (path: string, body: unknown): Promise<[number, string]> => {
    const r = await fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return [r.status, await r.text()];
  };
  const hex = (stan: string): string => bank.codec.pack(advice(stan)).toString('hex');
  const refused = [
    await post('/?saf=true', { ...advice('200201'), saf: false }),
    await post('/?saf=0', { ...advice('200202'), saf: true }),
    await post('/raw?saf=1', { hex: hex('200203'), saf: false }),
    await post('/raw?saf=false', { hex: hex('200204'), saf: true }),
  ];
  for (const [status, text] of refused) {
    assert.equal(status, 400, text);
    const e = (JSON.parse(text) as { errors: { code: string; field: string; message: string }[] }).errors[0];
    assert.equal(e?.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(e?.field, 'saf');
    assert.match(e?.message ?? '', /query and the body/);
  }
  assert.equal(bank.stats().safDepth, 0, 'a request with contradicting saf flags was stored');
  const [status, text] = await post('/?saf=1', { ...advice('200205'), saf: true });
  assert.equal(status, 202, text);
  assert.equal(bank.stats().safDepth, 1);
});
