// TLS and mutual TLS to the host, with certificates made by the test (a CA, a server and a client certificate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { makeCertificates } from '@iso8583/test-support';
import type { TestCertificates } from '@iso8583/test-support';
import type { FieldProblem } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import type { ConnectorTlsOptions } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

let certs: TestCertificates;
before(() => {
  certs = makeCertificates();
});
after(() => certs.cleanup());

test('TLS: a host whose certificate chains to the given CA is reached and answers', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, tls: { ca: certs.ca } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const response = await connector.request(purchase('003001'));
  assert.equal(response['39'], '00');
});

test('TLS: a host certificate from an untrusted CA is refused with CONNECT_FAILED', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, tls: { ca: certs.otherCa } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  assert.equal(peer.received.length, 0);
});

test('mutual TLS: the host requires a client certificate; with it the request goes through, without it not', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
  });
  const withCert = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' },
  });
  const without = createConnector({
    name: 'no-cert',
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 1000,
    pool: { acquireTimeout: 1000 },
    reconnect: { initialDelay: 1000, maxDelay: 1000 },
    tls: { ca: certs.ca },
  });
  t.after(async () => {
    await withCert.destroy();
    await without.destroy();
    await peer.close();
  });
  const response = await withCert.request(purchase('003101'));
  assert.equal(response['11'], '003101');
  // TLS 1.3: the server's refusal of a missing client certificate arrives after the handshake, as a closed connection.
  await assert.rejects(without.request(purchase('003102')), (err: { code: string }) =>
    ['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST'].includes(err.code),
  );
  assert.equal(peer.received.filter((r) => r.message['11'] === '003102').length, 0);
});

test('TLS: TLS material Node would take and then fail every handshake with is refused at createConnector, naming the option', async (t) => {
  // A real TLS host: before the fix each of these connectors was made, reached this host and failed every handshake
  // (CONNECT_FAILED with UNABLE_TO_VERIFY_LEAF_SIGNATURE for a ca holding no certificate) or went on without its client
  // certificate (an empty key); now none is made and the host sees no connection.
  // It keeps the connection open (a host that closes it at the end of the TLS 1.3 handshake refuses the client).
  const held = new Set<TLSSocket>();
  const host = createTlsServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => void held.add(socket.resume()));
  let connections = 0;
  host.on('connection', () => connections++);
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of held) socket.destroy();
    host.close(() => resolve());
  }));
  const port = (host.address() as AddressInfo).port;
  const cases: { what: string; tls: ConnectorTlsOptions; field: string; reason: RegExp }[] = [
    { what: 'a ca with no certificate', tls: { ca: 'not a certificate' }, field: 'tls.ca', reason: /^no PEM certificate$/ },
    { what: 'an empty ca', tls: { ca: '' }, field: 'tls.ca', reason: /^no PEM certificate$/ },
    { what: 'a private key as the ca', tls: { ca: certs.serverKey }, field: 'tls.ca', reason: /^no PEM certificate$/ },
    { what: 'an empty key', tls: { ca: certs.ca, cert: certs.clientCert, key: '' }, field: 'tls.key', reason: /^no PEM private key$/ },
    { what: 'a key Node cannot use', tls: { ca: certs.ca, cert: certs.clientCert, key: 'not a key' }, field: 'tls.key', reason: /^no PEM private key$/ },
    { what: 'a key where the certificate belongs', tls: { ca: certs.ca, cert: certs.clientKey, key: certs.clientKey }, field: 'tls.cert', reason: /^the certificate cannot be used \(ERR_OSSL_/ },
    { what: 'the key of another certificate', tls: { ca: certs.ca, cert: certs.clientCert, key: certs.serverKey }, field: 'tls.key', reason: /^the private key does not go with tls\.cert \(ERR_OSSL_X509_KEY_VALUES_MISMATCH/ },
  ];
  for (const c of cases) {
    assert.throws(() => createConnector({ host: '127.0.0.1', port, tls: c.tls }), (err: Error & { code?: string; problems?: FieldProblem[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', c.what);
      assert.equal(err.problems?.length, 1, c.what);
      assert.equal(err.problems?.[0]?.field, c.field, c.what);
      assert.match(err.problems?.[0]?.reason ?? '', c.reason, c.what);
      // The material itself never shows.
      assert.ok(!err.message.includes('BEGIN') && !err.message.includes('not a'), c.what);
      return true;
    });
  }
  // The good material, for contrast, is taken and reaches the host.
  const good = createConnector({ host: '127.0.0.1', port, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' } });
  t.after(() => good.destroy());
  await good.connect();
  assert.equal(connections, 1);
});
