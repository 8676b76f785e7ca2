// A `deadline` (send options) is a time on the `performance.now()` clock. One on the wall clock (`Date.now() + 5000`,
// about 1.7e12) or `Infinity` lies further ahead than a Node.js timer can wait (2^31 - 1 ms): taken as is, the request
// had no deadline at all, silently (and a wait for a connection armed a timer Node fires at once). It is refused
// before the request is accepted, naming `deadline` and its clock: nothing in flight, nothing written; on a lone
// connector, with `saf: true`, and in an upstream group's terminal queue. The send-options argument itself must be an
// object or absent: `null`, a string, a number or an array is refused naming `options` (it threw an uncoded TypeError).
// Real sockets, a real file journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import type { SendOptions } from '../src/index.js';
import { connectorFor, peerAndConnector, peerFor, startGroup, tempDir, upstream } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';

interface Coded {
  code?: string;
  field?: string;
  sent?: string;
  message: string;
}

/** The STANs of the purchases `peer` received, in order. */
function purchasesAt(peer: Peer): unknown[] {
  return peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']);
}

/** Asserts a refusal naming `field`, never sent; `clock`: its message names the performance.now() clock. */
function refusedNaming(field: string, clock = false): (err: Coded) => boolean {
  return (err) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', err.message);
    assert.equal(err.field, field);
    assert.equal(err.sent, 'no');
    if (clock) assert.match(err.message, /performance\.now\(\)/);
    return true;
  };
}

test('deadline – a wall-clock time or Infinity is refused naming deadline and its clock, before acceptance', async (t) => {
  const dir = tempDir(t, 'deadline-clock');
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journalDir: dir },
    transactionLog: false,
  });
  await connector.connect();
  const bad = [Date.now() + 5000, Infinity, performance.now() + 2 ** 31 + 1000];
  for (const [i, deadline] of bad.entries()) {
    await assert.rejects(connector.request(purchase(`00780${i}`), { deadline }), refusedNaming('deadline', true));
  }
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().requests, 0, 'none was accepted');
  // The longest a timer waits is still a deadline, and so is one already past (DEADLINE, never written).
  assert.equal((await connector.request(purchase('007809'), { deadline: performance.now() + 2 ** 31 - 1000 }))['39'], '00');
  // A refused one written would be on the one connection before this answered one: the host got only this.
  assert.deepEqual(purchasesAt(peer), ['007809'], 'none of them reached the host');
  await assert.rejects(connector.request(purchase('007810'), { deadline: performance.now() - 1 }), { code: 'ISO8583_ERR_CONNECTOR_DEADLINE' });
});

test('deadline – a wall-clock time with saf: true is refused naming deadline, nothing stored', async (t) => {
  const dir = tempDir(t, 'deadline-clock-saf');
  const peer = await peerFor(t, () => undefined);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir } });
  const options = { saf: true, deadline: Date.now() + 5000 } as SendOptions;
  await assert.rejects(connector.request(advice('100701'), options), refusedNaming('deadline', true));
  await assert.rejects(connector.sendMessage(JSON.stringify(advice('100702')), options), refusedNaming('deadline', true));
  assert.equal(connector.stats().safDepth, 0, 'nothing stored');
});

test('deadline – a wall-clock time is refused before an upstream group\'s terminal queue, not left to wait in it', async (t) => {
  const held: Received[] = [];
  const hold = (r: Received, p: Peer): void => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
  };
  const a = await startPeer(hold);
  const b = await startPeer(hold);
  const tq = { enabled: true, timeout: 300 };
  const options = (name: string, p: Peer) => ({ ...upstream(name, p), requestTimeout: 20_000, terminalQueue: tq, transactionLog: false as const });
  const group = await startGroup(t, { upstreams: [options('a', a), options('b', b)] }, () => [a, b]);
  const first = group.request(purchase('720001', 'TERM0003'));
  await waitUntil(() => held.length === 1, { what: 'the first request of TERM0003 at the bank' });
  await assert.rejects(group.request(purchase('720002', 'TERM0003'), { deadline: Date.now() + 5000 }), refusedNaming('deadline', true));
  await assert.rejects(group.request(purchase('720003', 'TERM0003'), { signal: 'stop' as unknown as AbortSignal }), refusedNaming('signal'));
  const r = held.shift() as Received;
  (a.sockets.has(r.socket) ? a : b).send(r.socket, answer(r.message));
  assert.equal((await first)['39'], '00');
  assert.equal(held.length, 0, 'neither refused request reached a bank');
});

test('send options – null, a string, a number or an array is refused naming options, before acceptance', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const group = await startGroup(t, { upstreams: [{ ...upstream('a', peer), transactionLog: false }] }, () => [peer]);
  const bad: unknown[] = [null, 'saf', 5000, [], true];
  for (const [i, options] of bad.entries()) {
    const o = options as SendOptions;
    const what = JSON.stringify(options);
    for (const send of [
      () => connector.request(purchase(`00790${i}`), o),
      () => connector.sendMessage(JSON.stringify(purchase(`00791${i}`)), o),
      () => connector.relay({ message: purchase(`00792${i}`), body: Buffer.alloc(0) } as never, o),
      () => group.request(purchase(`00793${i}`), o),
      () => group.sendMessage(JSON.stringify(purchase(`00794${i}`)), o),
    ]) {
      let outcome: Promise<unknown>;
      try {
        outcome = send();
      } catch (err) {
        assert.fail(`${what}: thrown, not rejected: ${String(err)}`);
      }
      await assert.rejects(outcome, refusedNaming('options'), what);
    }
  }
  assert.equal(connector.stats().requests, 0, 'none was accepted');
  assert.equal((await connector.request(purchase('007999'), undefined))['39'], '00', 'undefined stays fine');
  assert.equal((await group.request(purchase('007998')))['39'], '00');
  // A refused one written would be on its connection (the connector's or the group's) before the answered one there.
  assert.deepEqual(purchasesAt(peer).sort(), ['007998', '007999'], 'none of them reached the host');
});
