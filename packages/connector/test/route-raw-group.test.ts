// POST /raw through an upstream group: the hex is read in the dialect of where it goes. A group whose upstreams share
// one dialect reads it in that one (even when the plugin's own connector speaks another); one whose upstreams differ
// refuses it (501 ISO8583_ERR_CONNECTOR_RAW_DIALECTS) before anything is sent. Real peers, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createCodec } from '@iso8583/codec';
import { iso8583Connector } from '../src/index.js';
import type { UpstreamGroup } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** A bank of `dialect` answering every request 00. */
const bank = (dialect: string): Promise<Peer> => startPeer((r, p) => p.send(r.socket, answer(r.message)), { dialect });

/** The plugin (its own connector iso87ascii) with its routes through `group()`; the app's base URL. */
async function app(t: AfterHook, group: () => UpstreamGroup): Promise<URL> {
  const own = await peerFor(t);
  const server = Fastify();
  await server.register(iso8583Connector, { name: 'own', host: '127.0.0.1', port: own.port, routes: { via: group } });
  const address = new URL(await server.listen({ port: 0, host: '127.0.0.1' }));
  t.after(() => server.close());
  return address;
}

const post = (address: URL, hex: string): Promise<Response> =>
  fetch(new URL('/raw', address), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hex });

test('routes – POST /raw through a group whose upstreams all speak iso87binary reads the hex as iso87binary', async (t) => {
  const a = await bank('iso87binary');
  const b = await bank('iso87binary');
  const group = await startGroup(t, { upstreams: [{ ...upstream('a', a), dialect: 'iso87binary' }, { ...upstream('b', b), dialect: 'iso87binary' }] }, () => [a, b]);
  const address = await app(t, () => group);
  const binary = createCodec('iso87binary');
  const res = await post(address, binary.pack(purchase('000801')).toString('hex'));
  assert.equal(res.status, 200);
  const back = binary.unpack(Buffer.from(await res.text(), 'hex'));
  assert.equal(back['0'], '0210');
  assert.equal(back['39'], '00');
  assert.equal(a.received.filter((r) => r.message['0'] === '0200').length, 1, 'the request reached the first bank');
});

test('routes – POST /raw through a group whose upstreams speak different dialects: 501 RAW_DIALECTS naming them, nothing sent', async (t) => {
  const a = await bank('iso87ascii');
  const b = await bank('iso87binary');
  const group = await startGroup(t, {
    upstreams: [upstream('a', a), { ...upstream('b', b), dialect: 'iso87binary' }],
    routes: [{ pan: '5413', upstream: 'b' }],
  }, () => [a, b]);
  const address = await app(t, () => group);
  // An iso87ascii image of a card the routes send to the iso87binary bank: read as ascii, it would go to b re-packed
  // as binary and its answer come back as binary bytes, the client's request and answer in two wire formats.
  const hex = createCodec('iso87ascii').pack({ ...purchase('000802'), '2': '5413330089010434' }).toString('hex');
  const res = await post(address, hex);
  assert.equal(res.status, 501);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_RAW_DIALECTS');
  assert.match(body.errors[0]?.message ?? '', /a: iso87ascii, b: iso87binary/);
  const json = await fetch(new URL('/', address), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...purchase('000803'), '2': '5413330089010434' }) });
  assert.equal(json.status, 200, 'a message object still goes, packed by the upstream it routes to');
  const sent = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0200').map((r) => String(r.message['11']));
  assert.deepEqual(sent(b), ['000803'], 'the refused hex was never sent');
  assert.deepEqual(sent(a), []);
});
