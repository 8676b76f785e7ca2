// A host that refuses the connector's client certificate over TLS 1.3: the client's handshake ends before the host
// checked the certificate, and the host then closes the connection without an alert. The connector took the link as
// up at `secureConnect`, wrote the 0200, lost the connection: CONNECTION_LOST with sent 'maybe', a reversal queued for
// a request the host never saw, and nothing named tls.cert. Now the link is up only at the host's first session ticket
// (or after TLS13_SETTLE_MS): the refusal is CONNECT_FAILED naming tls.cert, the request unwritten, no reversal.
//
// On a loaded machine the refusal could also come before the request waited for a connection (the connect attempt,
// begun by the request, failed while the request armed its reversal in the journal): the request then waited out
// `pool.acquireTimeout` for an attempt 60 s away and failed POOL_EXHAUSTED. A request that comes after a failed
// attempt, while no connection can be up within its wait, now fails at once with that attempt's error: the third test
// drives that order for certain (the connector's `connect()` sees the refusal first).
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { tempDir } from './helpers/setup.js';

/** A TLS 1.3 host asking for the client's certificate, trusting its CA when `accepted`, and a connector to it. */
async function mutualTls(t: TestContext, accepted: boolean): Promise<{ peer: Peer; connector: Connector; reversals: ReversalEvent[] }> {
  const certs = makeCertificates();
  // The refusing host trusts another CA than the one that signed the client's certificate.
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: accepted ? certs.ca : certs.otherCa, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 5000,
    // No second attempt within the test: a request is answered by the first attempt's outcome or not at all.
    reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
    pool: { acquireTimeout: 3000 },
    reversal: { enabled: true, journalDir: tempDir(t, 'tls-refused'), retryInterval: 100 },
    tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' },
  });
  const reversals: ReversalEvent[] = [];
  connector.on('reversal', (e: ReversalEvent) => reversals.push(e));
  connector.on('error', () => undefined);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    certs.cleanup();
  });
  return { peer, connector, reversals };
}

/** The request's error: CONNECT_FAILED naming tls.cert, the refusal's text, never written, nothing to reverse. */
function assertRefused(err: Iso8583Error & { sent?: string }, peer: Peer, connector: Connector, reversals: ReversalEvent[]): void {
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', err.message);
  assert.equal(err.field, 'tls.cert');
  assert.match(err.message, /the host closed the connection at the end of the TLS handshake: it may refuse the client certificate/);
  assert.equal(err.sent, 'no');
  assert.equal(peer.received.length, 0);
  assert.equal(connector.stats().reversalsPending, 0);
  assert.deepEqual(reversals, []);
}

for (const accepted of [false, true]) {
  test(`mutual TLS 1.3, the client certificate ${accepted ? 'accepted: the request is answered' : 'refused: CONNECT_FAILED naming tls.cert, unwritten, no reversal'}`, async (t) => {
    const { peer, connector, reversals } = await mutualTls(t, accepted);
    const outcome = await connector.request(purchase('005201')).then(
      (response) => ({ response }),
      (err: Iso8583Error & { sent?: string }) => ({ err }),
    );
    if (accepted) {
      assert.equal('response' in outcome ? outcome.response['39'] : outcome.err.message, '00');
      return;
    }
    assert.ok('err' in outcome, 'the request fails');
    assertRefused(outcome.err, peer, connector, reversals);
  });
}

test('mutual TLS 1.3, the client certificate refused before the request waits: the request fails with that refusal, not POOL_EXHAUSTED', async (t) => {
  const { peer, connector, reversals } = await mutualTls(t, false);
  // The attempt fails first (its next one 30 to 60 s away, beyond the request's 3 s wait for a connection).
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', field: 'tls.cert' });
  const outcome = await connector.request(purchase('005202')).then(
    () => assert.fail('the request was answered'),
    (err: Iso8583Error & { sent?: string }) => err,
  );
  assertRefused(outcome, peer, connector, reversals);
});

// A host that ends the connection right after its handshake, its session tickets sent first: the client reads the
// tickets and the host's end in one go, and the link came up (at the ticket) on a socket already ended: the request
// found no connection, the next attempt 60 s away, and failed POOL_EXHAUSTED. An end before the link is up is the
// refusal too.
test('mutual TLS 1.3, the host ends the connection right after its session tickets: CONNECT_FAILED naming tls.cert, unwritten', async (t) => {
  const certs = makeCertificates();
  let bytes = 0;
  const ended = new Set<TLSSocket>();
  const server = createTlsServer(
    { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
    (socket) => {
      socket.on('error', () => undefined).on('data', (chunk: Buffer) => (bytes += chunk.length));
      // Its tickets go out with this turn's writes; its end in the next: the client reads both together.
      setImmediate(() => socket.end());
      ended.add(socket);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const connector = createConnector({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
    pool: { acquireTimeout: 3000 },
    tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' },
  });
  connector.on('error', () => undefined);
  t.after(async () => {
    await connector.destroy();
    await new Promise((resolve) => server.close(resolve));
    certs.cleanup();
  });
  const err = await connector.request(purchase('005203')).then(
    () => assert.fail('the request was answered'),
    (e: Iso8583Error & { sent?: string }) => e,
  );
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', err.message);
  assert.equal(err.field, 'tls.cert');
  assert.equal(err.sent, 'no');
  assert.equal(ended.size, 1, 'one attempt');
  assert.equal(bytes, 0, 'nothing written');
});
