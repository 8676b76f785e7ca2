// Behind a TLS-terminating proxy every browser reaches the HTTP port from the proxy's address and by its public name:
// counted by the socket alone, one client's wrong tokens lock every other client of the proxy out of signing in. With
// the proxy named (`trustedProxies`), a request from it is counted by the client its `X-Forwarded-For` names (the
// right-most entry not a proxy): the guesser is locked out, another browser behind the same proxy signs in. The header
// of a peer that is not a named proxy is never read, and a client cannot pick its address by writing one at the left.
// Real HTTP app on 127.0.0.1 (the test plays the proxy), the guard's clock fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpCall } from '@iso8583/test-support';
import { isIso8583Error } from '@iso8583/codec';
import { assembleHttp } from '../src/http/app.js';

const TOKEN = 'trusted-proxy-token-8c2f';
const PUBLIC = { host: 'gateway.example', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };

/** Five wrong tokens from the client the proxy forwards as `xff`: the statuses. */
async function guess(port: number, xff: string): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) seen.push((await httpCall(port, 'GET', `/console?token=wrong-${i}`, { ...PUBLIC, 'x-forwarded-for': xff })).status);
  return seen;
}

test('console guard – behind a named proxy, one client\'s wrong tokens lock out that client, not the proxy\'s others', async (t) => {
  const http = await assembleHttp({ connectors: {}, token: TOKEN, trustedProxies: ['127.0.0.1'], guard: { now: () => 1_800_000_000_000 } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  // The guesser writes an address of its own at the left: the proxy appends the one it saw, which is what counts.
  assert.deepEqual(await guess(port, '198.51.100.9, 203.0.113.7'), [401, 401, 401, 401, 401]);
  assert.equal((await httpCall(port, 'GET', `/console?token=${TOKEN}`, { ...PUBLIC, 'x-forwarded-for': '198.51.100.77, 203.0.113.7' })).status, 429,
    'the guesser is locked out, whatever it writes at the left');
  // Another browser behind the same proxy signs in (before the fix: 429, the proxy's one count locked out).
  assert.equal((await httpCall(port, 'GET', `/console?token=${TOKEN}`, { ...PUBLIC, 'x-forwarded-for': '203.0.113.8' })).status, 303);
  // A chain of proxies: the named ones at the right end are passed over.
  assert.equal((await httpCall(port, 'GET', `/console?token=${TOKEN}`, { ...PUBLIC, 'x-forwarded-for': '203.0.113.7, 127.0.0.1' })).status, 429);
  // No header from the proxy: counted by the proxy's address, as before (not locked out by the guesser).
  assert.equal((await httpCall(port, 'GET', '/stats', { ...PUBLIC, authorization: `Bearer ${TOKEN}` })).status, 404);
});

test('console guard – without a named proxy, X-Forwarded-For is never read (a guesser cannot rotate it for more tries)', async (t) => {
  const http = await assembleHttp({ connectors: {}, token: TOKEN, guard: { now: () => 1_800_000_000_000 } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) seen.push((await httpCall(port, 'GET', `/console?token=wrong-${i}`, { ...PUBLIC, 'x-forwarded-for': `203.0.113.${i}` })).status);
  assert.deepEqual(seen, [401, 401, 401, 401, 401, 429]);
});

test('console guard – a trusted proxy entry that is not an address nor ADDRESS/PREFIX is a coded option error', async () => {
  for (const bad of ['gateway.example', '10.0.0.0/33', '10.0.0.1/8/1', '']) {
    await assert.rejects(assembleHttp({ connectors: {}, token: TOKEN, trustedProxies: [bad] }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.equal(err.field, '--http-trusted-proxy');
      return true;
    }, bad);
  }
  // Subnets and IPv6 are taken.
  const http = await assembleHttp({ connectors: {}, token: TOKEN, trustedProxies: ['10.0.0.0/8', '::1', 'fd00::/8'] });
  await http.app.close();
});

test('console guard – a list of trusted proxies is read entry by entry, each checked', async () => {
  const { trustedProxyList } = await import('../src/http/trusted-proxies.js');
  assert.equal(trustedProxyList(undefined), undefined);
  assert.deepEqual(trustedProxyList(' 10.0.0.5, fd00::/8 '), ['10.0.0.5', 'fd00::/8']);
  assert.throws(() => trustedProxyList('10.0.0.5,,10.0.0.6'), { code: 'ISO8583_ERR_CLI_OPTION', field: '--http-trusted-proxy' });
  assert.throws(() => trustedProxyList('proxy.example', 'httpTrustedProxy'), { code: 'ISO8583_ERR_CLI_OPTION', field: 'httpTrustedProxy' });
});
