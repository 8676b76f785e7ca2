// rv69d finding 1: a client that closes its side (FIN) during the TLS handshake. Node's TLS client checks the server's
// certificate after the handshake and, refusing it (an expired one), just closes: the endpoint held the half-open
// socket, unlogged, to the first-message deadline (then an info line, FIRST_MESSAGE_TIMEOUT) or the handshake timeout.
// Now it is closed at once, counted ISO8583_ERR_INBOUND_TLS and logged with its cause and, the endpoint's certificate
// having expired, why. A connect-and-close (no byte: a TCP health check) is no failed handshake; a FIN after the
// handshake (a one-shot terminal) keeps its reply. The served certificate's expiry is a gauge, and its passing while
// the endpoint runs a one-time warning. Real sockets, real certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { makeCertificates, makeDatedCertificate, waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, heldSequence, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/** openssl's `YYYYMMDDHHMMSSZ` for now + `ms`. */
function stamp(ms: number): string {
  return new Date(Date.now() + ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

test('TLS – a client refusing the expired certificate and closing is counted and logged at once, with the validity', async (t) => {
  const expired = makeDatedCertificate('20200101000000Z', '20200201000000Z');
  t.after(() => expired.cleanup());
  const logs = captureLogs('info');
  // The deadlines far off: only the client's close can end the handshake within the test.
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll, logger: logs.logger, firstMessageTimeout: 600_000, readTimeout: 600_000,
    tls: { cert: expired.cert, key: expired.key },
  });
  const refused = await within(new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: expired.ca, servername: 'localhost' });
    socket.on('error', (e: Error & { code?: string }) => resolve(String(e.code)));
    socket.on('secureConnect', () => resolve('connected'));
  }), 10_000, 'the client to refuse or accept the certificate');
  assert.equal(refused, 'CERT_HAS_EXPIRED', 'the client refuses the endpoint certificate');
  const line = JSON.parse(await within(logs.waitFor(/TLS handshake failed/), 10_000, 'no line for the refused handshake')) as Record<string, unknown>;
  assert.equal(line.code, 'ISO8583_ERR_INBOUND_TLS');
  assert.equal(line.cause, 'closed by the client during the handshake');
  assert.equal(line.certificate, 'tls.cert: the certificate expired on 2020-02-01T00:00:00.000Z: peers refuse it (CERT_HAS_EXPIRED)');
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS === 1, { timeoutMs: 10_000, what: 'one ISO8583_ERR_INBOUND_TLS counted' });
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT, undefined);
  const metrics = await endpoint.registry.metrics();
  assert.match(metrics, /iso8583_inbound_tls_cert_expiry_seconds\{endpoint="[^"]+"\} 1580515200\n/);
});

test('TLS – a connect-and-close without a byte (a health check) is closed, no failed handshake; a FIN after the handshake keeps its reply', async (t) => {
  const logs = captureLogs('info');
  const { held, sequence } = heldSequence();
  const { port, endpoint } = await startEndpoint(t, {
    sequence, logger: logs.logger, firstMessageTimeout: 600_000, readTimeout: 600_000,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const probe = await rawConnect(port);
  probe.end();
  await within(closedBy(probe), 10_000, 'the endpoint to close the health check at once');
  // The one-shot terminal: its request, then its FIN at once, its reply read after.
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  client.send(purchase(11));
  const closed = client.close();
  await waitUntil(() => endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'the request to be in its sequence' });
  held.open();
  const reply = await within(client.reply(), 10_000, 'no reply after the FIN');
  assert.equal(reply.fields['39'], '00');
  await within(closed, 10_000, 'the endpoint did not end its side once the reply was written');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS, undefined, logs.text());
  assert.doesNotMatch(logs.text(), /TLS handshake failed/);
});

test('TLS – the served certificate expiring while the endpoint runs is warned of once', async (t) => {
  // Valid for 6 s more (openssl and the start may take seconds on a busy machine): the warning is the endpoint's own timer (no clock of the test's orders it).
  const soon = makeDatedCertificate(stamp(-86_400_000), stamp(6000));
  t.after(() => soon.cleanup());
  const logs = captureLogs('info');
  await startEndpoint(t, { sequence: approveAll, logger: logs.logger, tls: { cert: soon.cert, key: soon.key } });
  assert.doesNotMatch(logs.text(), /ISO8583_WARN_TLS_CERT_VALIDITY/, 'valid at start: no warning');
  const line = JSON.parse(await within(logs.waitFor(/ISO8583_WARN_TLS_CERT_VALIDITY/), 30_000, 'no warning when the certificate expired')) as Record<string, unknown>;
  assert.equal(line.field, 'tls.cert');
  assert.match(String(line.msg), /^tls\.cert: the certificate expired on .*: peers refuse it \(CERT_HAS_EXPIRED\) \(expired while running: replace the files and restart\)$/);
  assert.equal(logs.text().split('ISO8583_WARN_TLS_CERT_VALIDITY').length - 1, 1, 'once');
});
