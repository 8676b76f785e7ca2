// The plugin's routes against web pages and odd input: cross-site requests refused before the bank sees them, a
// forbidden JSON key named, an unexpected failure logged by name and code, MTI labels bounded, query times that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createCodec } from '@iso8583/codec';
import { httpCall } from '@iso8583/test-support';
import { createConnector, iso8583Connector, parseTime } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

const call = httpCall;

async function setup(t: { after(fn: () => Promise<void> | void): void }, via?: () => never) {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const lines: string[] = [];
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => void lines.push(line) } } });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '', ...(via === undefined ? {} : { via }) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  return { peer, port, lines };
}

test('routes – a cross-site POST /raw (text/plain, Origin elsewhere) or Sec-Fetch-Site cross-site is 403 and never sent; no Origin and the own origin go through', async (t) => {
  const { peer, port } = await setup(t);
  const hex = createCodec('iso87ascii').pack(purchase('000201')).toString('hex');
  const evil = await call(port, 'POST', '/raw', { 'content-type': 'text/plain', origin: 'http://evil.example' }, hex);
  assert.equal(evil.status, 403);
  assert.equal((JSON.parse(evil.body) as { errors: { code: string; field: string }[] }).errors[0]?.code, 'ISO8583_ERR_CONNECTOR_CROSS_SITE');
  const site = await call(port, 'POST', '/', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, JSON.stringify(purchase('000202')));
  assert.equal(site.status, 403);
  const nullOrigin = await call(port, 'POST', '/', { 'content-type': 'application/json', origin: 'null' }, JSON.stringify(purchase('000203')));
  assert.equal(nullOrigin.status, 403);
  assert.equal((await call(port, 'POST', '/raw', { 'content-type': 'text/plain' }, hex)).status, 200);
  // A refused one sent would be on the one connection before this answered one: the bank got only this.
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['000201'], 'the bank saw none of them');
  const own = await call(port, 'POST', '/', { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, JSON.stringify(purchase('000204')));
  assert.equal(own.status, 200);
  // Behind a TLS-terminating proxy that forwards the name: the page's origin is https://NAME, Host is NAME.
  const proxied = await call(port, 'POST', '/', { 'content-type': 'application/json', origin: 'https://gw.example', host: 'gw.example' }, JSON.stringify(purchase('000205')));
  assert.equal(proxied.status, 200);
  const v6 = await call(port, 'POST', '/', { 'content-type': 'application/json', origin: 'http://[::1]:8080', host: '[::1]:8080' }, JSON.stringify(purchase('000206')));
  assert.equal(v6.status, 200);
  const otherPort = await call(port, 'POST', '/', { 'content-type': 'application/json', origin: 'http://gw.example:3000', host: 'gw.example' }, JSON.stringify(purchase('000207')));
  assert.equal(otherPort.status, 403);
});

test('routes – JSON with a __proto__ or constructor.prototype key is 400 naming the key', async (t) => {
  const { port } = await setup(t);
  for (const [body, key] of [['{"0":"0200","__proto__":{"2":"4111111111111111"}}', '__proto__'], ['{"0":"0200","3":{"constructor":{"prototype":{"x":1}}}}', 'constructor']] as const) {
    const r = await call(port, 'POST', '/', { 'content-type': 'application/json' }, body);
    assert.equal(r.status, 400);
    const e = (JSON.parse(r.body) as { errors: { code: string; message: string }[] }).errors[0];
    assert.equal(e?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
    assert.match(String(e?.message), new RegExp(`"${key}"`));
    assert.doesNotMatch(r.body, /4111111111111111/);
  }
  const broken = await call(port, 'POST', '/', { 'content-type': 'application/json' }, '{"0":');
  assert.match(broken.body, /not valid JSON/);
});

test('routes – a JSON body that gives a field twice (JSON.parse keeps the last: another amount) is 400 naming the key, never sent', async (t) => {
  const { peer, port } = await setup(t);
  const message = JSON.stringify(purchase('000301'));
  const twice = message.replace('{', '{"4":"000000099999",');
  assert.notEqual(twice, message);
  const r = await call(port, 'POST', '/', { 'content-type': 'application/json' }, twice);
  assert.equal(r.status, 400, r.body);
  const e = (JSON.parse(r.body) as { errors: { code: string; message: string }[] }).errors[0];
  assert.equal(e?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
  assert.match(String(e?.message), /"4" twice/);
  assert.doesNotMatch(r.body, /4111111111111111|000000099999/);
  const nested = await call(port, 'POST', '/', { 'content-type': 'application/json' }, '{"0":"0200","48":{"1":"a","1":"b"}}');
  assert.match(String((JSON.parse(nested.body) as { errors: { message: string }[] }).errors[0]?.message), /"48\.1" twice/);
  // The same message once is sent: nothing else in it is refused.
  const once = await call(port, 'POST', '/', { 'content-type': 'application/json' }, message);
  assert.equal(once.status, 200, once.body);
  assert.equal(peer.received.filter((m) => m.message['11'] === '000301').length, 1, 'only the body that gives each field once reached the host');
});

test('routes – an unexpected failure answers 500 with a fixed text and is logged with its name and code, never its message', async (t) => {
  const { port, lines } = await setup(t, () => {
    throw Object.assign(new TypeError('boom 4111111111111111'), { code: 'E_SOMETHING' });
  });
  const r = await call(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000301')));
  assert.equal(r.status, 500);
  const logged = lines.map((l) => JSON.parse(l) as { failure?: { name: string; code?: string } }).find((l) => l.failure !== undefined);
  assert.deepEqual(logged?.failure, { name: 'TypeError', code: 'E_SOMETHING' });
  assert.ok(!lines.join('').includes('4111111111111111'));
});

test('stats – an MTI outside the dialect\'s message classes is counted as other; a known one as itself', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const c = createConnector({ name: 'labels', host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await c.close();
    await peer.close();
  });
  await c.connect();
  await c.request(purchase('000401'));
  for (const [i, mti] of ['5200', '0260', '0900'].entries()) await c.request({ ...purchase(`00041${i}`), '0': mti }, { timeout: 300 }).catch(() => undefined);
  const { byMti } = c.stats();
  assert.equal(byMti['0200'], 1);
  assert.equal(byMti.other, 3);
  assert.match(await c.registry.metrics(), /mti="other"/);
  assert.doesNotMatch(await c.registry.metrics(), /mti="5200"/);
});

test('transaction queries – dates that do not exist and times without Z or an offset are refused naming the parameter', () => {
  for (const text of ['2026-02-30', '2026-13-01', '2026-11-30T24:00:00Z', '2026-11-30T21:60Z', '2026-11-30T21:00:00', '2026-11-30T21:00']) {
    assert.throws(() => parseTime(text, 'from'), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', field: 'from' }, text);
  }
  assert.equal(parseTime('2024-02-29', 'to'), Date.UTC(2024, 1, 29));
  assert.equal(parseTime('2026-11-30T23:00:00+02:00', 'to'), Date.UTC(2026, 10, 30, 21));
  assert.equal(parseTime('2026-11-30T21:00:00.5Z', 'to'), Date.UTC(2026, 10, 30, 21, 0, 0, 500));
});
