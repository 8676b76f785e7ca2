// close() while a connection is still signing on ends it: close() resolves once its socket is closed (not after the
// sign-on's requestTimeout), no `connect` event and no sign-off follow (it never signed on), even when the host's
// sign-on answer is let through right after close(). A group closed then never reports the upstream up. Real peers on
// 127.0.0.1; the sign-on answer is held by a gate, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { eventWithin, within } from '@iso8583/test-support';
import { createConnector, createUpstreamGroup } from '../src/index.js';
import type { Peer } from './peer.js';
import { answer } from './peer.js';
import { peerFor, upstream } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** A host that holds every sign-on answer until `release()`; `signOn` resolves with the socket that asked. */
async function holdingSignOns(t: AfterHook): Promise<{ peer: Peer; signOn: Promise<Socket>; release: () => void }> {
  let asked: ((socket: Socket) => void) | undefined;
  const signOn = new Promise<Socket>((resolve) => (asked = resolve));
  const held: (() => void)[] = [];
  const peer = await peerFor(t, (r, p) => {
    const reply = (): void => {
      if (!r.socket.destroyed && r.socket.writable) p.send(r.socket, answer(r.message));
    };
    if (r.message['0'] === '0800' && r.message['70'] === '001') {
      held.push(reply);
      asked?.(r.socket);
    } else reply();
  });
  return { peer, signOn, release: () => held.splice(0).forEach((reply) => reply()) };
}

/** Resolves when the host's end of `socket` closed; fails after 10 s. */
function hostSeesClose(socket: Socket, what: string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return eventWithin(10_000, what, (resolve) => socket.once('close', () => resolve()));
}

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`${mode}: close() ends a connection still signing on, without waiting out its sign-on, no connect and no sign-off`, async (t) => {
    const { peer, signOn, release } = await holdingSignOns(t);
    const connector = createConnector({ host: '127.0.0.1', port: peer.port, mode, signOn: true, signOff: true, requestTimeout: 30_000, transactionLog: false });
    t.after(() => connector.destroy());
    let connects = 0;
    connector.on('connect', () => (connects += 1));
    connector.on('error', () => undefined);
    const connecting = connector.connect().then(
      () => 'connected',
      (err: { code?: string }) => err.code,
    );
    const socket = await within(signOn, 10_000, 'the sign-on request');

    await within(connector.close(), 10_000, 'close() waited for the sign-on (requestTimeout 30 s) instead of ending the connection');
    release();
    await hostSeesClose(socket, 'the connection signing on stayed open after close()');
    assert.equal(await connecting, 'ISO8583_ERR_CONNECTOR_CLOSED');
    assert.equal(connects, 0, 'no connect event for a connection ended while signing on');
    assert.deepEqual(
      peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['70'])}`),
      ['0800/001'],
      'only the sign-on reached the host: no sign-off on a connection that never signed on',
    );
    assert.equal(connector.stats().connected, 0);
  });
}

test('a group closed while its upstream signs on never reports it up afterwards', async (t) => {
  const { peer, signOn, release } = await holdingSignOns(t);
  const group = createUpstreamGroup({
    upstreams: [{ ...upstream('a', peer), signOn: true, signOff: true, requestTimeout: 30_000, transactionLog: false }],
  });
  t.after(() => group.destroy());
  const ups: string[] = [];
  group.on('up', ({ upstream: name }) => ups.push(name));
  const connecting = group.connect().catch(() => undefined);
  const socket = await within(signOn, 10_000, 'the sign-on request');

  await within(group.close(), 10_000, 'group.close() waited for the sign-on');
  release();
  await hostSeesClose(socket, 'the connection signing on stayed open after group.close()');
  await connecting;
  assert.deepEqual(ups, [], 'no up event after close');
  assert.deepEqual(group.healthy(), []);
  assert.equal(peer.received.length, 1, 'no sign-off');
});

test('close() does not wait out the connect of a host that never completes the TLS handshake (connectTimeout 30 s)', async (t) => {
  // A plain TCP server: the connection is accepted, the TLS handshake never answered.
  const accepted: Socket[] = [];
  let seen: (() => void) | undefined;
  const reached = new Promise<void>((resolve) => (seen = resolve));
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) the client hello, so that the client's close is seen
    seen?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of accepted) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  const connector = createConnector({ host: '127.0.0.1', port, tls: { rejectUnauthorized: false }, connectTimeout: 30_000, signOn: true, transactionLog: false });
  t.after(() => connector.destroy());
  connector.on('error', () => undefined);
  const connecting = connector.connect().then(
    () => 'connected',
    (err: { code?: string }) => err.code,
  );
  await within(reached, 10_000, 'the TCP connection');
  await within(connector.close(), 10_000, 'close() waited out connectTimeout (30 s) for a handshake that never comes');
  assert.equal(await connecting, 'ISO8583_ERR_CONNECTOR_CLOSED');
  assert.equal(connector.stats().connected, 0);
  await hostSeesClose(accepted[0] as Socket, 'the half-made connection stayed open after close()');
});
