// A caller's field 0 may be anything, even a card number: an error that names the MTI names it only when it is four
// digits (else `invalid`), in its text, its `mti` and its toJSON, and so in the HTTP answers (JSON and XML). Before:
// the SAF refusal (saf-message.ts) and an upstream group's UPSTREAM_DOWN (upstream-group.ts) took field 0 as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { httpCall } from '@iso8583/test-support';
import { createUpstreamGroup, iso8583Connector } from '../src/index.js';
import type { Iso8583Error } from '@iso8583/codec';
import { purchase } from './peer.js';
import { connectorFor, downPort } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const PAN = '4111111111111111';
const OTHER_PAN = '4761739001010010';

/** The error's message, its toJSON and its `mti`, checked to name neither test card number, and `mti` is `invalid`. */
function assertClean(err: unknown, code: string): void {
  const e = err as Iso8583Error & { mti?: unknown };
  assert.equal(e.code, code, e.message);
  const seen = `${e.message} ${JSON.stringify(e.toJSON())} ${String(e.mti)}`;
  assert.ok(!seen.includes(PAN) && !seen.includes(OTHER_PAN), `no card number in ${seen}`);
  assert.equal(e.mti, 'invalid');
  assert.equal((e.toJSON() as { mti?: unknown }).mti, 'invalid');
}

test('saf: a card number as the MTI is refused as an invalid MTI, the card number nowhere in the error', async (t) => {
  const connector = connectorFor(t, { host: '127.0.0.1', port: await downPort(t) });
  for (const mti of [PAN, Number(PAN)]) {
    const err = await connector.request({ '0': mti, '2': PAN }, { saf: true }).then(() => assert.fail('refused'), (e: unknown) => e);
    assertClean(err, 'ISO8583_ERR_CONNECTOR_SAF');
    assert.match((err as Error).message, /not MTI invalid/);
  }
  // A field 0 that is absent is named as such; a four-digit one as it is.
  await assert.rejects(connector.request({ '2': PAN }, { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_SAF', message: /not MTI \(none\)$/, mti: 'invalid' });
  await assert.rejects(connector.request({ '0': '0200', '2': PAN }, { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_SAF', message: /not MTI 0200$/, mti: '0200' });
});

async function plugin(t: AfterHook): Promise<number> {
  const app = Fastify({ logger: false });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: await downPort(t), routes: { prefix: '/iso' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return (app.server.address() as { port: number }).port;
}

test('fastify: a card number as the MTI of a saf request is in neither the JSON nor the XML answer', async (t) => {
  const port = await plugin(t);
  const json = await httpCall(port, 'POST', '/iso/', { 'content-type': 'application/json' }, JSON.stringify({ '0': PAN, '2': PAN, saf: true }));
  assert.equal(json.status, 400, json.body);
  const body = JSON.parse(json.body) as { errors: { code: string; mti?: string; message: string }[] };
  assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_SAF');
  assert.equal(body.errors[0]?.mti, 'invalid');
  assert.ok(!json.body.includes(PAN), json.body);
  const xml = await httpCall(port, 'POST', '/iso/?saf=true', { 'content-type': 'application/xml' }, `<isomsg><field id="0" value="${OTHER_PAN}"/></isomsg>`);
  assert.equal(xml.status, 400, xml.body);
  assert.match(xml.body, /^<error code="ISO8583_ERR_CONNECTOR_SAF">.*not MTI invalid<\/error>$/s);
  assert.ok(!xml.body.includes(OTHER_PAN), xml.body);
});

test('upstream group: a card number as the MTI of a request routed to a down upstream is not in UPSTREAM_DOWN', async (t) => {
  const reconnect = { initialDelay: 10, maxDelay: 50 };
  const upstreams = [
    { name: 'a', host: '127.0.0.1', port: await downPort(t), reconnect },
    { name: 'b', host: '127.0.0.1', port: await downPort(t), reconnect },
  ];
  const group = createUpstreamGroup({ upstreams, routes: [{ upstream: 'b', pan: '4111' }] });
  t.after(() => group.destroy());
  await group.connect().catch(() => undefined);
  assert.deepEqual(group.healthy(), []);
  const err = await group.request({ ...purchase('730001'), '0': PAN }, { timeout: 5_000 }).then(() => assert.fail('refused'), (e: unknown) => e);
  assertClean(err, 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN');
});
