import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates } from '@iso8583/test-support';
import { TestClient, purchase, until } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

test('TLS – a client that trusts the CA is served over TLS', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  assert.equal(endpoint.stats().connections, 1);
});

test('TLS – a client that trusts another CA refuses the endpoint, which counts the failed handshake', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    readTimeout: 300,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  await assert.rejects(TestClient.connect(port, { tls: { ca: certs.otherCa, servername: 'localhost' } }));
  await until(() => (endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS ?? 0) === 1);
  assert.equal(endpoint.stats().totalConnections, 0);
});

test('mutual TLS – a client with a certificate signed by the CA is served', async (t) => {
  const { port } = await startEndpoint(t, {
    sequence: approveAll,
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true },
  });
  const client = await TestClient.connect(port, {
    tls: { ca: certs.ca, servername: 'localhost', cert: certs.clientCert, key: certs.clientKey },
  });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(2))).fields['11'], '000002');
});

test('mutual TLS – a client without a certificate is refused and never reaches the sequence', async (t) => {
  let called = 0;
  const { port, endpoint } = await startEndpoint(t, {
    sequence: (m, c) => {
      called++;
      return approveAll(m, c);
    },
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true },
  });
  let refused = false;
  try {
    const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
    // TLS 1.3: the server's refusal may arrive after the client thinks the handshake is done.
    client.send(purchase(3));
    await client.reply().catch(() => {
      refused = true;
    });
    client.destroy();
  } catch {
    refused = true;
  }
  assert.ok(refused);
  assert.equal(called, 0);
  await until(() => (endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS ?? 0) >= 1);
});
