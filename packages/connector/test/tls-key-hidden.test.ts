// The client key of mutual TLS was a plain property of `connector.options.tls`: a program (or a sequence, through
// `context.connectors`) that logged or printed its connector wrote the PEM private key. Now JSON (pino) and
// util.inspect show it as `[set]`; the connector still uses it (mutual TLS works).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { makeCertificates } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('a TLS connector: JSON and util.inspect of it and its options hold no private key; mutual TLS still works', async (t) => {
  const certs = makeCertificates();
  assert.match(certs.clientKey, /PRIVATE KEY/);
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true },
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    certs.cleanup();
  });
  const shown = (): string[] => [JSON.stringify(connector.options), JSON.stringify({ connectors: { bank: connector.options } }), inspect(connector, { depth: 5 }), inspect(connector.options, { depth: 5 })];
  // Never the text as the message: a failure would print the key.
  for (const text of shown()) assert.ok(!text.includes('PRIVATE KEY'), 'the private key is shown');
  assert.equal((JSON.parse(JSON.stringify(connector.options)) as { tls: { key: string } }).tls.key, '[set]');
  assert.match(inspect(connector.options.tls), /key: '\[set\]'/);
  // The key is used all the same: the host asks for the client certificate and answers.
  assert.equal((await connector.request(purchase('005702')))['39'], '00');
  assert.equal(connector.options.tls?.key, certs.clientKey);
  for (const text of shown()) assert.ok(!text.includes('PRIVATE KEY'), 'connected: no key either');
});
