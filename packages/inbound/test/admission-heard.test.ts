// At maxConnections (and at an address's share), a terminal sending its first message in pieces (a slow link) keeps its slot while connections
// that say nothing come and go. The oldest connection without a complete message gave way, whatever it was sending: a
// client opening silent connections faster than a slow terminal's first message arrives closed every such terminal
// (ISO8583_ERR_INBOUND_EVICTED), while its own silent sockets took their turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { eventWithin, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { watchListenerReads } from './support/listener-reads.js';

/** Silent connections opened while the terminal's first message arrives, one before each of its pieces but the last. */
const ROUNDS = 5;

/** The two limits a new connection makes room under: the listener's, and one address's share. */
const LIMITS = [
  ['maxConnections', { maxConnections: 2, maxConnectionsPerAddress: 2 }],
  ['maxConnectionsPerAddress', { maxConnections: 100, maxConnectionsPerAddress: 2 }],
] as const;

for (const [limit, options] of LIMITS) test(`${limit} – a first message arriving in pieces keeps its slot while silent connections come and go`, async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, ...options, firstMessageTimeout: 0, readTimeout: 0 });
  const reads = watchListenerReads(t, port);
  /** Accepts by the endpoint's server, in order (Node's `net.server.socket` channel). */
  let accepted = 0;
  const waiters: { count: number; resolve: (value: void) => void }[] = [];
  const onAccept = (message: unknown): void => {
    if ((message as { socket: Socket }).socket.localPort !== port) return;
    accepted++;
    for (const w of waiters.filter((x) => x.count <= accepted)) w.resolve();
  };
  subscribe('net.server.socket', onAccept);
  t.after(() => unsubscribe('net.server.socket', onAccept));
  const terminal = await TestClient.connect(port);
  t.after(() => terminal.destroy());
  terminal.socket.setNoDelay(true);
  const listener = reads(terminal.socket);
  const frame = terminal.frame(purchase(1));
  const piece = Math.floor(frame.length / (ROUNDS + 1));
  let sent = 0;
  /** Sends the next piece of the first message and resolves once the listener has read it. */
  const sendPiece = async (last = false): Promise<void> => {
    const end = last ? frame.length : sent + piece;
    terminal.write(frame.subarray(sent, end));
    sent = end;
    await listener.reached(sent, `piece ending at ${sent}`);
  };
  /** Opens a connection that says nothing and resolves once the endpoint has accepted it. */
  const silent: Socket[] = [];
  t.after(() => {
    for (const s of silent) s.destroy();
  });
  const openSilent = async (): Promise<Socket> => {
    const want = accepted + 1;
    const socket = await rawConnect(port);
    silent.push(socket);
    await eventWithin<void>(10_000, () => `the endpoint to accept silent connection ${silent.length}`, (resolve) => {
      if (accepted >= want) resolve();
      else waiters.push({ count: want, resolve });
    });
    return socket;
  };
  const gone = closedBy(terminal.socket).then(() => assert.fail('the terminal sending its first message was closed for a silent connection'));
  await sendPiece();
  let previous = await openSilent();
  for (let round = 1; round < ROUNDS; round++) {
    await sendPiece();
    await openSilent();
    await within(Promise.race([closedBy(previous), gone]), 10_000, 'no connection was closed for the new one');
    previous = silent.at(-1)!;
  }
  await sendPiece(true);
  const reply = await within(Promise.race([terminal.reply(), gone]), 10_000, 'the terminal was not answered');
  assert.equal(reply.fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_EVICTED, ROUNDS - 1);
});
