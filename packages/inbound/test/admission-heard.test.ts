// At maxConnections (and at an address's share), a terminal sending its first message, or its TLS handshake, in
// pieces (a slow link) keeps its slot while connections that say nothing come and go. The oldest connection without a
// complete message gave way, whatever it was sending: a client opening silent connections faster than a slow
// terminal's first message arrives closed every such terminal (ISO8583_ERR_INBOUND_EVICTED), while its own silent
// sockets took their turn.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { eventWithin, makeCertificates, waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { watchListenerReads } from './support/listener-reads.js';

/** Silent connections opened while the terminal's first message arrives, one before each of its pieces but the last. */
const ROUNDS = 5;
const DEADLINE = 10_000;

/** The two limits a new connection makes room under: the listener's, and one address's share. */
const LIMITS = [
  ['maxConnections', { maxConnections: 2, maxConnectionsPerAddress: 2 }],
  ['maxConnectionsPerAddress', { maxConnections: 100, maxConnectionsPerAddress: 2 }],
] as const;

/** Silent connections to the endpoint on `port`, and the sockets its server accepted, in order. */
interface Crowd {
  /** The sockets the endpoint's server accepted (its side), in order. */
  readonly accepted: readonly Socket[];
  /** The silent connections opened, in order. */
  readonly silent: readonly Socket[];
  /** Opens a connection that says nothing and resolves once the endpoint has accepted it. */
  openSilent(): Promise<Socket>;
  /** Resolves with the `n`th socket the endpoint accepted (from 1), once it has. */
  acceptedAt(n: number): Promise<Socket>;
}

/** Follows the accepts of the endpoint on `port` (Node's `net.server.socket` channel) until the test ends. */
function crowd(t: TestContext, port: number): Crowd {
  const accepted: Socket[] = [];
  const silent: Socket[] = [];
  const waiters: { count: number; resolve: (socket: Socket) => void }[] = [];
  const onAccept = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    if (socket.localPort !== port) return;
    accepted.push(socket);
    for (const w of waiters.filter((x) => x.count <= accepted.length)) w.resolve(accepted[w.count - 1]!);
  };
  subscribe('net.server.socket', onAccept);
  t.after(() => {
    unsubscribe('net.server.socket', onAccept);
    for (const s of silent) s.destroy();
  });
  const acceptedAt = (n: number): Promise<Socket> =>
    eventWithin<Socket>(DEADLINE, () => `the endpoint to accept connection ${n} (it accepted ${accepted.length})`, (resolve) => {
      if (accepted.length >= n) resolve(accepted[n - 1]!);
      else waiters.push({ count: n, resolve });
    });
  return {
    accepted,
    silent,
    acceptedAt,
    openSilent: async () => {
      const want = accepted.length + 1;
      const socket = await rawConnect(port);
      silent.push(socket);
      await acceptedAt(want);
      return socket;
    },
  };
}

/**
 * Opens a silent connection before each of `pieces` but the last (sent in turn by `send`, which resolves once the
 * endpoint has read it), and checks that each new silent connection closes the one before it, never `terminal`.
 */
async function crowdWhileSending(c: Crowd, terminal: Socket, pieces: number, send: () => Promise<void>): Promise<void> {
  const gone = closedBy(terminal).then(() => assert.fail('the terminal still sending was closed for a silent connection'));
  await send();
  let previous = await c.openSilent();
  for (let piece = 1; piece < pieces; piece++) {
    await send();
    const next = await c.openSilent();
    await within(Promise.race([closedBy(previous), gone]), DEADLINE, 'no connection was closed for the new one');
    previous = next;
  }
}

for (const [limit, options] of LIMITS) test(`${limit} – a first message arriving in pieces keeps its slot while silent connections come and go`, async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, ...options, firstMessageTimeout: 0, readTimeout: 0 });
  const reads = watchListenerReads(t, port);
  const c = crowd(t, port);
  const terminal = await TestClient.connect(port);
  t.after(() => terminal.destroy());
  terminal.socket.setNoDelay(true);
  const listener = reads(terminal.socket);
  const frame = terminal.frame(purchase(1));
  const piece = Math.floor(frame.length / (ROUNDS + 1));
  let sent = 0;
  await crowdWhileSending(c, terminal.socket, ROUNDS, async () => {
    terminal.write(frame.subarray(sent, sent + piece));
    sent += piece;
    await listener.reached(sent, `piece ending at ${sent}`);
  });
  terminal.write(frame.subarray(sent));
  const reply = await within(terminal.reply(), DEADLINE, 'the terminal was not answered');
  assert.equal(reply.fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, ROUNDS - 1);
});

test('maxConnections – a TLS handshake arriving in pieces keeps its slot while silent connections come and go', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    maxConnections: 2,
    firstMessageTimeout: 0,
    readTimeout: 0,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const c = crowd(t, port);
  // The terminal's TLS runs over a wire that holds what it writes until the test lets it go, piece by piece.
  const raw = await rawConnect(port);
  t.after(() => raw.destroy());
  raw.setNoDelay(true);
  const server = await c.acceptedAt(1);
  let held = Buffer.alloc(0);
  let through = false;
  const wire = new Duplex({
    write(chunk: Buffer, _encoding, done) {
      if (through) raw.write(chunk);
      else held = Buffer.concat([held, chunk]);
      done();
    },
    read() {},
  });
  raw.on('data', (chunk: Buffer) => wire.push(chunk));
  const terminal = tlsConnect({ socket: wire, ca: certs.ca, servername: 'localhost' });
  terminal.on('error', () => undefined);
  const secure = once(terminal, 'secureConnect');
  await waitUntil(() => held.length > 0, { timeoutMs: DEADLINE, what: 'the terminal\'s ClientHello' });
  const piece = Math.floor(held.length / (ROUNDS + 1));
  let sent = 0;
  await crowdWhileSending(c, raw, ROUNDS, async () => {
    raw.write(held.subarray(0, piece));
    held = held.subarray(piece);
    sent += piece;
    await waitUntil(() => server.bytesRead >= sent, { timeoutMs: DEADLINE, what: `the endpoint to read the ClientHello to byte ${sent}` });
  });
  through = true;
  raw.write(held);
  await within(secure, DEADLINE, 'the terminal\'s handshake did not complete');
  t.after(() => terminal.destroy());
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, ROUNDS - 1);
  assert.equal(raw.destroyed, false);
});
