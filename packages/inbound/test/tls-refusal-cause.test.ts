// TLS refusals as the endpoint logs and counts them. A refused client certificate is logged with OpenSSL's reason
// (the socket's authorizationError: UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED), not the reset that follows
// it (ECONNRESET said nothing of why). And close() cutting handshakes still in progress is the endpoint's own doing:
// not counted nor logged as failed client handshakes (ISO8583_ERR_INBOUND_TLS). Real sockets, real certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server, Socket } from 'node:net';
import { connect } from 'node:tls';
import { makeCertificates, makeDatedCertificate, waitUntil, within } from '@iso8583/test-support';
import type { DatedCertificate } from '@iso8583/test-support';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/** Connects with a client certificate and waits for the connection to close (the endpoint refuses it). */
async function refusedClient(port: number, client: DatedCertificate): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.ca, cert: client.cert, key: client.key });
  socket.on('error', () => undefined);
  // TLS 1.3: the server's refusal may come after the client thinks the handshake is done: write, then wait for the close.
  socket.once('secureConnect', () => socket.write(Buffer.from([0, 0])));
  await within(new Promise((resolve) => socket.once('close', resolve)), 10_000, 'the refused client was not closed');
}

const cases = [
  { what: 'signed by a CA the endpoint does not trust', cause: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', dates: ['20200101000000Z', '20991231000000Z'], trusted: false },
  { what: 'expired', cause: 'CERT_HAS_EXPIRED', dates: ['20200101000000Z', '20210101000000Z'], trusted: true },
] as const;

for (const c of cases) {
  test(`mutual TLS – a client certificate ${c.what} is logged with its reason (${c.cause})`, async (t) => {
    const client = makeDatedCertificate(c.dates[0], c.dates[1]);
    t.after(() => client.cleanup());
    const logs = captureLogs('info');
    const { port, endpoint } = await startEndpoint(t, {
      sequence: approveAll,
      logger: logs.logger,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: c.trusted ? client.ca : certs.ca, requestCert: true },
    });
    await refusedClient(port, client);
    const line = await within(logs.waitFor(/TLS handshake failed/), 10_000, 'no line for the refused handshake');
    assert.match(line, new RegExp(`"cause":"${c.cause}"`));
    await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS === 1, { what: 'one ISO8583_ERR_INBOUND_TLS counted' });
  });
}

test('TLS – close() cutting handshakes in progress counts and logs none of them as failed handshakes', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    logger: logs.logger,
    firstMessageTimeout: 0,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const accepted: Socket[] = [];
  const onAccept = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    if (socket.localPort === port) accepted.push(socket);
  };
  subscribe('net.server.socket', onAccept);
  t.after(() => unsubscribe('net.server.socket', onAccept));
  const silent = await Promise.all(Array.from({ length: 3 }, () => rawConnect(port)));
  t.after(() => {
    for (const socket of silent) socket.destroy();
  });
  await waitUntil(() => accepted.length === 3, { what: 'the endpoint accepted the 3 silent sockets' });
  // The TLS layer reports each cut handshake (tlsClientError, from the TLS socket's own close, in the turns after the
  // cut): our listener, added after the endpoint's, hears each once the endpoint has.
  const server = (accepted[0] as Socket & { server: Server }).server;
  const reported = new Promise<void>((resolve) => {
    let count = 0;
    server.on('tlsClientError', () => void (++count === 3 && resolve()));
  });
  await within(endpoint.close({ deadline: 1000 }), 10_000, 'close did not settle');
  await within(reported, 10_000, 'the TLS layer to report the 3 cut handshakes');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS, undefined, 'no failed handshake counted');
  assert.doesNotMatch(logs.text(), /TLS handshake failed/);
});
