// A host that requires a client certificate refuses a connector without one after a TLS 1.3 handshake: the socket
// fails with ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED, and the error said only "connection 1 failed" (the reason was
// in `cause` alone, which `iso8583 send` does not print). The connection's failure names its cause's code, as a
// connect failure does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('mutual TLS without a client certificate: the failure names the TLS alert', async (t) => {
  const certs = makeCertificates();
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
  });
  const without = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 5000, reconnect: { initialDelay: 1000, maxDelay: 1000 }, tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(async () => {
    await without.destroy();
    await peer.close();
    certs.cleanup();
  });
  await assert.rejects(without.request(purchase('003201')), (err: Error & { code?: string }) => {
    assert.ok(['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST'].includes(err.code ?? ''), `${err.code}: ${err.message}`);
    assert.match(err.message, /\(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)$/, err.message);
    return true;
  });
  assert.equal(peer.received.length, 0);
});
