// A TLS client that resets its connection right after its handshake: the server's TLS socket may have lost its
// handle (and with it the peer's address) by the time the endpoint builds the connection on it (secureConnection).
// The connection's lines and events name the peer as the accepted socket under it knew it (read at accept), never an
// empty address and port 0; and a TLS socket that knows no peer is never matched to another client's slot. Real
// sockets, real certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { makeCertificates, within } from '@iso8583/test-support';
import type { ConnectionInfo } from '../src/index.js';
import { ConnectionSlots, Slot } from '../src/slots.js';
import { slotOfTls } from '../src/tls-socket.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

test('TLS – a client reset right after its handshake is logged and reported with its address and port', async (t) => {
  const logs = captureLogs('debug');
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    logger: logs.logger,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const connected = new Promise<ConnectionInfo>((resolve) => endpoint.once('connection', resolve));
  const raw = await rawConnect(port);
  t.after(() => raw.destroy());
  const peer = { address: raw.localAddress, port: raw.localPort };
  const secured = tlsConnect({ socket: raw, ca: certs.ca, servername: 'localhost' });
  secured.on('error', () => undefined);
  // The client's Finished and the start of a frame go out, then the reset at once (the write's callback comes in the
  // same turn: the endpoint, in this process, reads them all in one poll, and its TLS socket has lost its handle when
  // it reports the handshake done). A reset before that write would cut the Finished: a failed handshake, no connection.
  secured.once('secureConnect', () => secured.write('0085', () => raw.resetAndDestroy()));
  await within(closedBy(raw), 10_000, 'the client socket to close');
  const info = await within(connected, 10_000, 'the endpoint to build a connection on the TLS socket');
  assert.equal(info.remoteAddress, peer.address);
  assert.equal(info.remotePort, peer.port);
  const open = JSON.parse(await within(logs.waitFor(/"msg":"connection open"/), 10_000, 'the connection open line')) as Record<string, unknown>;
  assert.equal(open['remoteAddress'], peer.address);
  assert.equal(open['remotePort'], peer.port);
  await within(logs.waitFor(/"msg":"connection closed"/), 10_000, 'the connection closed line');
  for (const line of logs.text().split('\n').filter((l) => l.includes('"connection":'))) {
    assert.doesNotMatch(line, /"remoteAddress":""|"remotePort":0/, line);
  }
});

test('TLS – a TLS socket that knows no peer is never given the slot of a client that reset before its accept', (t) => {
  const slots = new ConnectionSlots(10, 10, 0, { ended: () => undefined });
  // A client gone before its accept: its socket knows no address nor port, its slot held until its close.
  const gone = new Socket();
  t.after(() => gone.destroy());
  const held = slots.admit(gone);
  assert.ok(held instanceof Slot);
  // A TLS socket whose accepted socket holds no slot (closed), and which knows no peer either (its handle lost).
  const under = new Socket();
  const secured = new TLSSocket(under);
  t.after(() => secured.destroy());
  assert.equal(secured.remoteAddress, undefined);
  assert.equal(slotOfTls(slots, secured), undefined);
  assert.equal(held.secure, undefined);
});

test('TLS – a TLS socket without its accepted socket (_parent unset) that knows no peer takes no slot', (t) => {
  const slots = new ConnectionSlots(10, 10, 0, { ended: () => undefined });
  const gone = new Socket();
  t.after(() => gone.destroy());
  const held = slots.admit(gone);
  assert.ok(held instanceof Slot);
  // The defensive fallback (tls-socket.ts): Node's TLS server always sets _parent; here it is taken away.
  const secured = new TLSSocket(new Socket());
  t.after(() => secured.destroy());
  (secured as TLSSocket & { _parent: unknown })._parent = null;
  assert.equal(secured.remoteAddress, undefined);
  assert.equal(slotOfTls(slots, secured), undefined);
  assert.equal(held.secure, undefined);
});
