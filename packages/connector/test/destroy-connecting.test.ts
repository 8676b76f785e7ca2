// destroy() while a connection is still connecting (its TLS handshake held by a gate in front of the host): it must
// not finish connecting after destroy() and before the pool closes (here held there by a journal whose close waits for
// a gate), be taken into the pool and sign on: destroy() ends it at once. Was (multiplex): it was kept, signed on (an
// 0800 written after destroy) and open until the pool closed. Real sockets, a real TLS host, a real file
// journal; gates, no sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { makeCertificates, waitUntil } from '@iso8583/test-support';
import type { TestCertificates } from '@iso8583/test-support';
import { createConnector, FileJournal } from '../src/index.js';
import { answer, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { ObjectStore } from './helpers/object-store.js';
import { tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

let certs: TestCertificates;
before(() => {
  certs = makeCertificates();
});
after(() => certs.cleanup());

/** A file journal whose `close` waits for `open()` of the gate: what holds a stop before its pool closes. */
class CloseGate extends ObjectStore {
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  closing = false;
  openGate(): void {
    this.opened();
  }
  override async close(): Promise<void> {
    this.closing = true;
    await this.gate;
    await super.close();
  }
}

/**
 * A TCP gate in front of `peer`: holds every connection it accepts (nothing passes) until `release()`, then joins it
 * to the peer. `accepted` resolves at the first connection held; `ended` is called when the connector ends one.
 */
async function connectGate(t: AfterHook, peer: Peer, ended: () => void): Promise<{ port: number; accepted: Promise<void>; release: () => void }> {
  const held: Socket[] = [];
  const all = new Set<Socket>();
  let first: (() => void) | undefined;
  const accepted = new Promise<void>((resolve) => (first = resolve));
  const server = createServer((client) => {
    client.pause();
    client.on('error', () => undefined);
    let once = false;
    client.on('close', () => {
      if (!once) ended();
      once = true;
    });
    all.add(client);
    held.push(client);
    first?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of all) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const release = (): void => {
    for (const client of held.splice(0)) {
      const up = connect(peer.port, '127.0.0.1');
      up.on('error', () => undefined);
      all.add(up);
      client.pipe(up).pipe(client);
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.resume();
    }
  };
  return { port: (server.address() as AddressInfo).port, accepted, release };
}

for (const mode of ['multiplex', 'exclusive'] as const) test(`${mode}: a connection that finishes connecting after destroy() is ended, never signed on nor kept`, async (t) => {
  const seen: string[] = [];
  const peer = await startPeer(
    (r, p) => {
      seen.push(`host got ${String(r.message['0'])}`);
      p.send(r.socket, answer(r.message));
    },
    { tls: { cert: certs.serverCert, key: certs.serverKey } },
  );
  t.after(() => peer.close());
  const gate = await connectGate(t, peer, () => seen.push('connector ended it'));
  const store = new CloseGate(new FileJournal(tempDir(t, 'destroy-connecting')));
  const connector = createConnector({
    host: '127.0.0.1',
    port: gate.port,
    tls: { ca: certs.ca },
    mode,
    signOn: true,
    reversal: { enabled: true, journal: store },
    transactionLog: false,
  });
  t.after(() => {
    store.openGate();
    return connector.destroy();
  });
  await connector.started();
  await gate.accepted; // the connect is under way, its handshake held
  const destroyed = connector.destroy();
  await waitUntil(() => store.closing, { what: 'the stop at the journal close' });
  // The pool is not closed yet (the journal holds the stop): the handshake now goes through.
  gate.release();
  // Either the connector ends it (fixed) or it signs on over it (the 0800 a destroyed connector should never write).
  await waitUntil(() => seen.length > 0, { what: 'the connector ends the connection or signs on over it' });
  assert.deepEqual(seen, ['connector ended it'], 'the connection made after destroy() was ended, nothing written');
  assert.equal(connector.stats().connected, 0);
  store.openGate();
  await destroyed;
});
