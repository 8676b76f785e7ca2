// A connection the endpoint's listener accepted before close() began and whose TLS handshake ends after it: the
// endpoint takes no new connection once closing, so it is refused (closed at once, nothing read), while the work in
// flight on the others is answered as the close drains them. The refusal is the endpoint's own doing: its TLS layer
// reporting the refused socket's end is not counted as a failed handshake (ISO8583_ERR_INBOUND_TLS) nor logged as one:
// it is counted and logged (warn) as ISO8583_ERR_INBOUND_CLOSING.
// Deterministic: the refused socket is accepted (the diagnostics channel `net.server.socket`) before the close, and
// starts its handshake once the close has begun (close() marks the endpoint closing before it returns); the request in
// flight is at its sequence (a gate) before the close. Real sockets, real certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { makeCertificates, within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';
import { closedBy, gate, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/** Settles once the server listening on `port` has accepted a socket (its `connection` handlers have run). */
function accepted(t: { after(fn: () => unknown): void }, port: number): Promise<void> {
  return new Promise((resolve) => {
    const onAccept = (message: unknown): void => {
      const { socket } = message as { socket: Socket & { server: Server } };
      if ((socket.server.address() as AddressInfo | null)?.port === port) resolve();
    };
    subscribe('net.server.socket', onAccept);
    t.after(() => unsubscribe('net.server.socket', onAccept));
  });
}

test('TLS – a connection whose handshake ends after close() began is refused at once; the request in flight is answered, no failed handshake counted', async (t) => {
  const logs = captureLogs('info');
  const atSequence = gate();
  const held = gate();
  const sequence: Sequence = async (message, context) => {
    atSequence.open();
    await held.promise;
    return approveAll(message, context);
  };
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence, logger: logs.logger, tls: { cert: certs.serverCert, key: certs.serverKey } });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const tls = { ca: certs.ca, servername: 'localhost' };

  // A: a request at its sequence, held there: the close waits for it.
  const a = await TestClient.connect(port, { tls });
  t.after(() => a.destroy());
  const answered = a.request(purchase(1));
  await within(atSequence.promise, 10_000, 'the request at its sequence');

  // B: accepted before the close, its handshake not begun.
  const acceptedB = accepted(t, port);
  const raw = await rawConnect(port);
  t.after(() => raw.destroy());
  await within(acceptedB, 10_000, 'the socket accepted');

  const closing = endpoint.close({ deadline: 10_000 });
  // The close has begun: B's handshake now ends on an endpoint that takes no new connection.
  const b = tlsConnect({ socket: raw, ...tls });
  b.on('error', () => undefined);
  await within(closedBy(b), 10_000, 'the connection whose handshake ended while closing was not closed');

  // Nobody harmed: A's request is answered, the close drains it.
  held.open();
  assert.equal((await within(answered, 10_000, 'the answer to the request in flight')).fields['39'], '00');
  await within(closing, 10_000, 'the close');
  // Counted and logged with its own code, once, and not as a failed handshake.
  assert.deepEqual(endpoint.stats().errorsByCode, { ISO8583_ERR_INBOUND_CLOSING: 1 });
  const line = JSON.parse(await within(logs.waitFor(/ISO8583_ERR_INBOUND_CLOSING/), 10_000, 'the refusal\'s log line')) as Record<string, unknown>;
  assert.deepEqual([line.level, line.msg], [40, 'connection refused: the endpoint is closing']);
  assert.doesNotMatch(logs.text(), /TLS handshake failed/);
});

test('TLS – a connection refused while closing whose client reset right after its handshake is logged with its address and port', async (t) => {
  const logs = captureLogs('info');
  const atSequence = gate();
  const held = gate();
  const sequence: Sequence = async (message, context) => {
    atSequence.open();
    await held.promise;
    return approveAll(message, context);
  };
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence, logger: logs.logger, tls: { cert: certs.serverCert, key: certs.serverKey } });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const tls = { ca: certs.ca, servername: 'localhost' };

  // A request held at its sequence keeps the endpoint closing while B's handshake ends.
  const a = await TestClient.connect(port, { tls });
  t.after(() => a.destroy());
  const answered = a.request(purchase(1));
  await within(atSequence.promise, 10_000, 'the request at its sequence');

  const acceptedB = accepted(t, port);
  const raw = await rawConnect(port);
  t.after(() => raw.destroy());
  const peer = { address: raw.localAddress, port: raw.localPort };
  await within(acceptedB, 10_000, 'the socket accepted');

  const closing = endpoint.close({ deadline: 10_000 });
  // B's Finished and the start of a frame, then its reset at once (tls-reset-peer-address.test.ts): the server's TLS
  // socket has lost its handle, and with it the peer's address, when it reports the handshake done.
  const b = tlsConnect({ socket: raw, ...tls });
  b.on('error', () => undefined);
  b.once('secureConnect', () => b.write('0085', () => raw.resetAndDestroy()));
  await within(closedBy(raw), 10_000, 'the client socket to close');
  const line = JSON.parse(await within(logs.waitFor(/ISO8583_ERR_INBOUND_CLOSING/), 10_000, 'the refusal\'s log line')) as Record<string, unknown>;
  assert.deepEqual([line.msg, line.remoteAddress, line.remotePort], ['connection refused: the endpoint is closing', peer.address, peer.port]);

  held.open();
  assert.equal((await within(answered, 10_000, 'the answer to the request in flight')).fields['39'], '00');
  await within(closing, 10_000, 'the close');
});
