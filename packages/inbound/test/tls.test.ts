import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { makeCertificates, waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';

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
  await waitUntil(() => (endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS ?? 0) === 1, { what: 'one ISO8583_ERR_INBOUND_TLS counted' });
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
  await waitUntil(() => (endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS ?? 0) >= 1, { what: 'an ISO8583_ERR_INBOUND_TLS counted' });
});

test('TLS – 20 silent TCP clients on a TLS port with maxConnections 20 are closed by the handshake timeout; TLS terminals are then served', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    maxConnections: 20,
    maxConnectionsPerAddress: 20, // every client here is 127.0.0.1: the listener's cap is what is tested
    // The handshake timeout too: long enough for 20 handshakes at once on a loaded machine (300 ms closed one there).
    readTimeout: 2000,
    firstMessageTimeout: 0,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const silent = await Promise.all(Array.from({ length: 20 }, () => rawConnect(port)));
  t.after(() => {
    for (const socket of silent) socket.destroy();
  });
  await within(Promise.all(silent.map(closedBy)), 20000, 'every silent socket is closed by the handshake timeout');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS, 20);
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } })),
  );
  t.after(() => {
    for (const client of clients) client.destroy();
  });
  const replies = await Promise.all(clients.map((client, i) => client.request(purchase(100 + i))));
  assert.ok(replies.every((r) => r.fields['39'] === '00'));
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS, undefined);
});

test('TLS – a handshake that fails (plain ISO bytes on the TLS port) closes the socket and frees its slot', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    maxConnections: 1,
    firstMessageTimeout: 0,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const plain = await rawConnect(port);
  plain.write(Buffer.from('\u0000\u00400200 this is no TLS record'));
  await within(closedBy(plain), 10000, 'the failed handshake closes the socket');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS, 1);
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(200))).fields['39'], '00');
});

test('TLS – at the cap, a TLS terminal takes the place of the oldest socket still silent in its handshake', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    maxConnections: 3,
    firstMessageTimeout: 0,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const silent = await Promise.all(Array.from({ length: 3 }, () => rawConnect(port)));
  t.after(() => {
    for (const socket of silent) socket.destroy();
  });
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(300))).fields['39'], '00');
  await within(closedBy(silent[0]!), 10000, 'the oldest silent socket is evicted');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, 1);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS, undefined, 'counted once, as an eviction');
});

test('TLS – a TLS client that completes the handshake but sends nothing is closed after firstMessageTimeout', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    firstMessageTimeout: 200,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  await within(client.closed, 10000, 'the silent TLS connection is closed');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT, 1);
});

test('TLS – a client that asks to renegotiate (TLS 1.2) is refused at once; a terminal is served', async (t) => {
  const { port } = await startEndpoint(t, {
    sequence: approveAll,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost', maxVersion: 'TLSv1.2' } });
  t.after(() => client.destroy());
  client.socket.on('error', () => undefined);
  assert.equal((await client.request(purchase(300))).fields['39'], '00');
  // Each renegotiation is a full handshake: without the refusal Node lets dozens run on one connection.
  // A refusal comes as the socket's error (Node does not call back then); a renegotiation done calls back with null.
  const outcome = await within(
    new Promise<string>((resolve) => {
      client.socket.once('error', (err: Error & { code?: string }) => resolve(`refused: ${err.code ?? err.message}`));
      (client.socket as TLSSocket).renegotiate({}, (err) => resolve(err === null ? 'renegotiated' : `refused: ${err.message}`));
    }),
    10_000,
    'the renegotiation neither completed nor failed',
  );
  assert.match(outcome, /^refused: /);
  const terminal = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => terminal.destroy());
  assert.equal((await terminal.request(purchase(301))).fields['39'], '00');
});
