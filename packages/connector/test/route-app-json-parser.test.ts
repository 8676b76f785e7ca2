// The routes' JSON checks (a key given twice, a number written 25.00, the bounds) are made by their own parser of
// application/json. An application that parses other JSON media types itself (application/vnd.api+json, Fastify's
// default JSON parser) handed the routes its object past those checks: "4" given twice sent the last amount. An object
// body of any media type other than application/json is now refused 415 ISO8583_ERR_CONNECTOR_INPUT naming the media
// type, before anything is sent; on POST /raw too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { httpCall } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** The routes in an app that parses `+json` media types with Fastify's default JSON parser. */
async function routes(t: AfterHook) {
  const bank = await peerFor(t);
  const app = Fastify();
  app.addContentTypeParser(/^application\/[a-z.+-]*\+json$/, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: bank.port, routes: { prefix: '' } });
  const port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
  t.after(() => app.close());
  const post = (path: string, type: string, text: string) => httpCall(port, 'POST', path, { 'content-type': type }, text);
  return { bank, post, connector: app.iso8583['bank'] as Connector };
}

const TWICE = '{"0":"0200","3":"000000","4":"000000000100","4":"000000099900","7":"1121103000","11":"001501","41":"TERM0001","49":"840"}';

test('routes – POST / refuses an object body the application parsed from application/vnd.api+json (415, named), and sends nothing', async (t) => {
  const { bank, post } = await routes(t);
  const res = await post('/', 'application/vnd.api+json', TWICE);
  assert.equal(res.status, 415, res.body);
  const told = JSON.parse(res.body) as { result: unknown; errors: Array<{ code: string; message: string }> };
  assert.equal(told.result, null);
  assert.equal(told.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
  assert.match(told.errors[0]?.message ?? '', /application\/vnd\.api\+json/);
  assert.equal(bank.received.length, 0, 'a message was sent');
  // The same text as application/json: the routes' parser refuses the key given twice.
  const json = await post('/', 'application/json', TWICE);
  assert.equal(json.status, 400, json.body);
  assert.match(json.body, /twice/);
  // And a good message as application/json (any case, with parameters) is sent.
  const good = await post('/', 'Application/JSON; charset=utf-8', JSON.stringify(purchase('001502')));
  assert.equal(good.status, 200, good.body);
  assert.equal(bank.received.length, 1);
});

test('routes – POST /raw refuses an object body the application parsed from another JSON media type (415)', async (t) => {
  const { bank, post, connector } = await routes(t);
  const hex = connector.codec.pack(purchase('001503')).toString('hex');
  const res = await post('/raw', 'application/problem+json', JSON.stringify({ hex, sfa: true }));
  assert.equal(res.status, 415, res.body);
  assert.match(res.body, /ISO8583_ERR_CONNECTOR_INPUT/);
  assert.match(res.body, /application\/problem\+json/);
  assert.equal(bank.received.length, 0, 'a message was sent');
  const good = await post('/raw', 'application/json', JSON.stringify({ hex }));
  assert.equal(good.status, 200, good.body);
});

test('routes – the 415 names a media type holding a card number written with %20 groups, the number masked', async (t) => {
  const bank = await peerFor(t);
  const app = Fastify();
  app.addContentTypeParser(/^application\/[^;\s]+\+json$/, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: bank.port, routes: { prefix: '' } });
  const port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
  t.after(() => app.close());
  const res = await httpCall(port, 'POST', '/', { 'content-type': 'application/x%204761%207390%200101%200010+json' }, JSON.stringify(purchase('001504')));
  assert.equal(res.status, 415, res.body);
  assert.match(res.body, /ISO8583_ERR_CONNECTOR_INPUT/);
  assert.match(res.body, /application\/x/);
  // The card number is masked as a PAN is (first 6 and last 4 at most): its middle digits are not shown.
  assert.doesNotMatch(res.body, /7390|0101/, res.body);
  assert.match(res.body, /\*\*\*\*/, res.body);
  assert.equal(bank.received.length, 0, 'a message was sent');
});
