// The server's private key was a plain property of `endpoint.options.tls`: a program that logged or printed its
// endpoint (a sequence holding it) wrote the PEM key. Now JSON (pino) and util.inspect show it as `[set]`; TLS works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { makeCertificates } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('a TLS endpoint: JSON and util.inspect of it and its options hold no private key; TLS still works', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  assert.match(certs.serverKey, /PRIVATE KEY/);
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, tls: { cert: certs.serverCert, key: certs.serverKey } });
  for (const text of [JSON.stringify(endpoint.options), inspect(endpoint, { depth: 5 }), inspect(endpoint.options, { depth: 5 })]) {
    // Never the text as the message: a failure would print the key.
    assert.ok(!text.includes('PRIVATE KEY'), 'the private key is shown');
  }
  assert.equal((JSON.parse(JSON.stringify(endpoint.options)) as { tls: { key: string } }).tls.key, '[set]');
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  assert.equal(endpoint.options.tls?.key, certs.serverKey);
});
