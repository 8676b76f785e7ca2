// TLS and mutual TLS to the host, with certificates made by the test (a CA, a server and a client certificate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates } from '@iso8583/test-support';
import type { TestCertificates } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
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

test('TLS: a client key Node cannot use fails the connect with CONNECT_FAILED, and nothing is left to fire later', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  // connectTimeout short: before the fix, its timer destroyed a socket that was never made and the process crashed.
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, connectTimeout: 50, tls: { ca: certs.ca, cert: certs.clientCert, key: 'not a key' } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.request(purchase('003009'), { timeout: 2000 }), (err: Error & { code?: string }) => {
    assert.match(err.code ?? '', /^ISO8583_ERR_CONNECTOR_(CONNECT_FAILED|UNAVAILABLE|TIMEOUT)$/);
    return true;
  });
  // The connect timer's moment passes with the process alive (an uncaught TypeError would end the test run here).
  await new Promise<void>((resolve) => setTimeout(resolve, 150));
  assert.equal(peer.received.length, 0);
});
