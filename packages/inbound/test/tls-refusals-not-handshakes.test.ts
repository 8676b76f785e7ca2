// A TLS endpoint refusing a connection by its admission rules (the allow-list, maxConnections) counts and logs it
// under the refusal's own code only: the TLS layer then reports the refused socket's end as a failed handshake
// (tlsClientError, ECONNRESET), which is the endpoint's own doing, not the client's, so neither counted as
// ISO8583_ERR_INBOUND_TLS nor logged "TLS handshake failed". Real sockets, real certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { AddressInfo, Server, Socket } from 'node:net';
import { makeCertificates, within } from '@iso8583/test-support';
import type { InboundOptions } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/**
 * The first failed handshake the TLS layer reports on the listener at `port` (its `tlsClientError`): our listener is
 * added at the first socket the server accepts (the diagnostics channel `net.server.socket`, published right after
 * the server's `connection` handlers ran, before the TLS layer reports anything), after the endpoint's, so it hears
 * each report once the endpoint has. The socket may be refused by then (no `localPort`): the server says the port.
 */
function handshakeFailure(t: { after(fn: () => unknown): void }, port: number): Promise<void> {
  return new Promise((resolve) => {
    let heard = false;
    const onAccept = (message: unknown): void => {
      const { socket } = message as { socket: Socket & { server: Server } };
      if (heard || (socket.server.address() as AddressInfo | null)?.port !== port) return;
      heard = true;
      socket.server.once('tlsClientError', () => resolve());
    };
    subscribe('net.server.socket', onAccept);
    t.after(() => unsubscribe('net.server.socket', onAccept));
  });
}

const cases: { what: string; options: Partial<InboundOptions>; code: string; before: boolean }[] = [
  { what: 'maxConnections reached', options: { maxConnections: 1 }, code: 'ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS', before: true },
  { what: 'an address not in the allow-list', options: { allow: ['10.0.0.0/8'] }, code: 'ISO8583_ERR_INBOUND_NOT_ALLOWED', before: false },
];

for (const c of cases) {
  test(`TLS – a connection refused for ${c.what} is counted as that refusal only, not as a failed handshake`, async (t) => {
    const logs = captureLogs('info');
    const { port, endpoint } = await startEndpoint(t, {
      sequence: approveAll,
      logger: logs.logger,
      tls: { cert: certs.serverCert, key: certs.serverKey },
      ...c.options,
    });
    // The TLS layer reports the refused socket's end (tlsClientError, ECONNRESET) in the turns after the refusal.
    const reported = handshakeFailure(t, port);
    if (c.before) {
      const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
      t.after(() => client.destroy());
      assert.equal((await client.request(purchase(1))).fields['39'], '00');
    }
    const refused = await rawConnect(port);
    t.after(() => refused.destroy());
    await within(closedBy(refused), 10_000, 'the refused socket was not closed');
    await within(reported, 10_000, 'the TLS layer to report the refused socket');
    assert.deepEqual(endpoint.stats().errorsByCode, { [c.code]: 1 });
    assert.doesNotMatch(logs.text(), /TLS handshake failed/);
  });
}
