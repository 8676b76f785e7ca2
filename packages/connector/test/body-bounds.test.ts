// The routes against bodies built to be expensive: more keys than a message can hold, nesting 100,000 levels deep,
// thousands of XML tags. Each is refused 400 naming the count or depth before any message is read from it (so the
// other clients of the process do not wait), and an answer lists at most 20 problems, saying how many more there are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { httpCall, within } from '@iso8583/test-support';
import { MAX_BODY_DEPTH, MAX_BODY_KEYS, MAX_XML_TAGS, iso8583Connector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

async function setup(t: { after(fn: () => Promise<void> | void): void }, answers: 'plain' | 'socketqueue' = 'plain') {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify({ logger: false });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '', answers } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  return { peer, port };
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** A purchase with `extra` unknown keys (`k0`, `k1`, ...), the PAN among them. */
function withKeys(extra: number): string {
  const body: Record<string, unknown> = { ...purchase('000401') };
  for (let i = 0; i < extra; i++) body[`k${i}`] = 1;
  return JSON.stringify(body);
}

type Plain = { result: null; errors: { code: string; message: string; problems?: unknown[]; moreProblems?: number }[] };

test('body bounds – more keys than a message can hold is 400 naming the count, on POST / and POST /raw; the bank sees nothing', async (t) => {
  const { peer, port } = await setup(t);
  const base = Object.keys(purchase('000401')).length;
  const body = withKeys(MAX_BODY_KEYS);
  for (const path of ['/', '/raw']) {
    const r = await httpCall(port, 'POST', path, JSON_TYPE, body);
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    const e = (JSON.parse(r.body) as Plain).errors[0];
    assert.equal(e?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
    assert.equal(e?.message, `the body holds ${base + MAX_BODY_KEYS} keys, more than a message can (at most ${MAX_BODY_KEYS})`);
    assert.doesNotMatch(r.body, /4111111111111111|k0/);
  }
  // A colon inside a string (after an escaped quote too) is no key: that body goes on to the codec (field 48 too long).
  const inText = await httpCall(port, 'POST', '/', JSON_TYPE, JSON.stringify({ ...purchase('000402'), 48: 'a":b:'.repeat(2000) }));
  assert.equal(inText.status, 400);
  assert.match(inText.body, /ISO8583_ERR_INVALID_MESSAGE/);
  assert.equal(peer.received.length, 0);
});

test('body bounds – a body at the bound is read, and its answer lists 20 problems and how many more', async (t) => {
  const { port } = await setup(t);
  const extra = MAX_BODY_KEYS - Object.keys(purchase('000403')).length;
  const plain = await httpCall(port, 'POST', '/', JSON_TYPE, withKeys(extra));
  assert.equal(plain.status, 400);
  const e = (JSON.parse(plain.body) as Plain).errors[0];
  assert.equal(e?.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.equal(e?.problems?.length, 20);
  assert.equal(e?.moreProblems, extra - 20);
  assert.ok(plain.body.length < 4000, `a short answer (${plain.body.length} characters)`);
});

test('body bounds – SocketQueue\'s shape: the count refusal, and 20 problem strings then "and N more problems"', async (t) => {
  const { port } = await setup(t, 'socketqueue');
  const over = await httpCall(port, 'POST', '/', JSON_TYPE, withKeys(MAX_BODY_KEYS));
  assert.equal(over.status, 400);
  assert.match((JSON.parse(over.body) as { errors: string[] }).errors[0] ?? '', /^the body holds \d+ keys, more than a message can/);
  const extra = 500;
  const at = await httpCall(port, 'POST', '/', JSON_TYPE, withKeys(extra));
  const errors = (JSON.parse(at.body) as { result: string; errors: string[] }).errors;
  assert.equal(errors.length, 21);
  assert.equal(errors[0], 'Field k0: not a field number');
  assert.equal(errors[20], `and ${extra - 20} more problems`);
});

test('body bounds – JSON nested 100,000 levels deep (holding "constructor") is 400 naming the depth, not 500; the app goes on', async (t) => {
  const { port } = await setup(t);
  const levels = 100_000;
  const deep = '{"a":'.repeat(levels) + '"constructor"' + '}'.repeat(levels);
  const r = await httpCall(port, 'POST', '/', JSON_TYPE, deep);
  assert.equal(r.status, 400, r.body);
  assert.equal((JSON.parse(r.body) as Plain).errors[0]?.message, `the body nests ${levels} levels deep, more than a message can (at most ${MAX_BODY_DEPTH})`);
  const arrays = await httpCall(port, 'POST', '/', JSON_TYPE, '['.repeat(MAX_BODY_DEPTH + 1) + ']'.repeat(MAX_BODY_DEPTH + 1));
  assert.match(arrays.body, new RegExp(`nests ${MAX_BODY_DEPTH + 1} levels deep`));
  // A forbidden key is still named as such.
  const proto = await httpCall(port, 'POST', '/', JSON_TYPE, '{"0":"0200","3":{"constructor":{"prototype":{}}}}');
  assert.match((JSON.parse(proto.body) as Plain).errors[0]?.message ?? '', /the key "constructor"/);
  assert.equal((await httpCall(port, 'POST', '/', JSON_TYPE, JSON.stringify(purchase('000404')))).status, 200);
});

test('body bounds – XML with more tags than a message can hold is 400 naming the count, before any XML parser reads it', async (t) => {
  const { peer, port } = await setup(t);
  let xml = '<isomsg><field id="0" value="0200"/><field id="2" value="4111111111111111"/>';
  for (let i = 0; i < MAX_XML_TAGS; i++) xml += `<field id="k${i}" value="1"/>`;
  xml += '</isomsg>';
  const r = await httpCall(port, 'POST', '/', { 'content-type': 'application/xml' }, xml);
  assert.equal(r.status, 400, r.body);
  assert.equal((JSON.parse(r.body) as Plain).errors[0]?.message, `the body holds ${MAX_XML_TAGS + 4} XML tags, more than a message can (at most ${MAX_XML_TAGS})`);
  assert.doesNotMatch(r.body, /4111111111111111/);
  assert.equal(peer.received.length, 0);
});

test('body bounds – a JSON body sent as XML (not starting with "<") is 400 at once, not read as JSON past the JSON bounds; another client gets its answer', async (t) => {
  const { peer, port } = await setup(t);
  // 64 KiB of nested objects each repeating a key: read as JSON it escapes the JSON depth and key bounds above.
  const depth = 6500;
  const json = '{"48":'.repeat(depth) + '{' + '"2":1,'.repeat(5000) + '"2":1}' + '}'.repeat(depth);
  for (const type of ['application/xml', 'text/xml', 'application/soap+xml']) {
    const hostile = httpCall(port, 'POST', '/', { 'content-type': type }, json);
    const echo = httpCall(port, 'POST', '/', JSON_TYPE, JSON.stringify(purchase('000404')));
    const refused = await within(hostile, 10_000, `the ${type} body refused`);
    assert.equal(refused.status, 400, refused.body);
    assert.equal((JSON.parse(refused.body) as Plain).errors[0]?.message, 'the body is sent as XML but does not start with "<" (JSON is sent as application/json)');
    assert.equal((await within(echo, 10_000, 'the other client\'s purchase answered')).status, 200);
  }
  // A byte order mark and white space before the first tag are still XML.
  const xml = '\ufeff \r\n<isomsg><field id="0" value="0200"/><field id="2" value="4111111111111111"/><field id="3" value="000000"/><field id="4" value="000000001000"/><field id="11" value="000405"/><field id="41" value="TERM0001"/></isomsg>';
  const read = await httpCall(port, 'POST', '/', { 'content-type': 'application/xml' }, xml);
  assert.equal(read.status, 200, read.body);
  assert.equal(peer.received.length, 4);
});

test('body bounds – array items count with the keys: half a million zeros in a field (with "constructor" in a value) are 400 naming the count; a short array names its field', async (t) => {
  const { peer, port } = await setup(t);
  const zeros = MAX_BODY_KEYS * 500;
  const body = `{"0":"0200","9":"constructor","48":[${Array(zeros).fill('0').join(',')}]}`;
  const r = await httpCall(port, 'POST', '/', JSON_TYPE, body);
  assert.equal(r.status, 400, r.body);
  assert.equal((JSON.parse(r.body) as Plain).errors[0]?.message, `the body holds ${3 + zeros} keys and array items, more than a message can (at most ${MAX_BODY_KEYS})`);
  // At the bound an array is read, and the codec names its field; empty arrays and spaces count no item.
  const at = await httpCall(port, 'POST', '/', JSON_TYPE, `{"0":"0200","47":[ ],"48":[${Array(MAX_BODY_KEYS - 3).fill('0').join(' , ')}]}`);
  assert.equal(at.status, 400, at.body);
  assert.match(at.body, /"field":"48","code":"ISO8583_ERR_FIELD_VALUE","reason":"an array is not a field value"/);
  const over = await httpCall(port, 'POST', '/', JSON_TYPE, `{"0":"0200","47":[ ],"48":[${Array(MAX_BODY_KEYS - 2).fill('0').join(' , ')}]}`);
  assert.match(over.body, new RegExp(`the body holds ${MAX_BODY_KEYS + 1} keys and array items`));
  assert.equal(peer.received.length, 0);
});

test('body bounds – a forbidden key spelt with escapes is refused as such, and the bank sees nothing', async (t) => {
  const { peer, port } = await setup(t);
  const proto = await httpCall(port, 'POST', '/', JSON_TYPE, '{"0":"0200","\\u005f_proto__":{"2":"4111111111111111"}}');
  assert.equal(proto.status, 400, proto.body);
  assert.match((JSON.parse(proto.body) as Plain).errors[0]?.message ?? '', /the key "__proto__"/);
  const ctor = await httpCall(port, 'POST', '/', JSON_TYPE, '{"0":"0200","3":{"constr\\u0075ctor":{"prototype":{}}}}');
  assert.match((JSON.parse(ctor.body) as Plain).errors[0]?.message ?? '', /the key "constructor"/);
  assert.doesNotMatch(proto.body + ctor.body, /4111111111111111/);
  assert.equal(peer.received.length, 0);
});

test('body bounds – a byte order mark before JSON is skipped, as Fastify\'s own parser does', async (t) => {
  const { peer, port } = await setup(t);
  const bom = await httpCall(port, 'POST', '/', JSON_TYPE, `\uFEFF${JSON.stringify(purchase('000405'))}`);
  assert.equal(bom.status, 200, bom.body);
  assert.equal(peer.received.length, 1);
});
