// A request's `signal` while it waits in its terminal's queue (terminalQueue on), on a lone connector and in an
// upstream group's one queue: the abort ends the wait at once, while the terminal's earlier request is still at the
// host (ABORTED, sent 'no', 91), the aborted request never reaches the host, and the others keep their order. Real
// sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { upstreamFailureCode } from '../src/index.js';
import type { Connector, UpstreamGroup } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { connectorFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

/** A host that holds every 0200 until the test answers it (`held`), and answers the rest. */
async function holdingPeer(t: { after(fn: () => unknown): void }): Promise<{ peer: Peer; held: Received[] }> {
  const held: Received[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200') held.push(r);
    else p.send(r.socket, answer(r.message));
  });
  t.after(() => peer.close());
  return { peer, held };
}

const purchasesAt = (peer: Peer): string[] => peer.received.filter((r) => r.message['0'] === '0200').map((r) => String(r.message['11']));

/** Three requests of one terminal, the second with a signal; aborts it while the first is at the host. */
async function abortSecond(sender: Connector | UpstreamGroup, peer: Peer, held: Received[], pending: () => number): Promise<void> {
  const first = sender.request(purchase('062001'));
  await peer.waitFor(1);
  const controller = new AbortController();
  const reason: { code: string; sent?: string } = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  const second = failure(sender.request(purchase('062002'), { signal: controller.signal }));
  const third = sender.request(purchase('062003'));
  assert.equal(pending(), 2, 'two wait behind the first');
  controller.abort(reason);
  // The first is still held at the host: only the abort can end the second's wait now.
  const err = await within(second, 10_000, 'the aborted request ends its wait while the first is still at the host');
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_ABORTED', 'no', '91']);
  assert.equal(reason.sent, 'no');
  assert.equal(held.length, 1);
  assert.equal(pending(), 1, 'the aborted request left the queue');
  peer.send((held[0] as Received).socket, answer((held.shift() as Received).message));
  assert.equal((await first)['39'], '00');
  await peer.waitFor(2);
  peer.send((held[0] as Received).socket, answer((held.shift() as Received).message));
  assert.equal((await third)['39'], '00');
  assert.deepEqual(purchasesAt(peer), ['062001', '062003'], 'the aborted purchase never reached the host; the rest in order');
}

test('terminal queue signal – a lone connector: aborted while it waits for its terminal, it fails at once, unwritten', async (t) => {
  const { peer, held } = await holdingPeer(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 60_000, terminalQueue: { enabled: true, timeout: 60_000 } });
  await connector.connect();
  await abortSecond(connector, peer, held, () => connector.stats().pending);
});

test('terminal queue signal – an upstream group\'s one queue: aborted while it waits, it fails at once, unwritten, recorded once', async (t) => {
  const { peer, held } = await holdingPeer(t);
  const tq = { enabled: true, timeout: 60_000 };
  const group = await startGroup(t, { upstreams: [{ ...upstream('a', peer), requestTimeout: 60_000, terminalQueue: tq, transactionLog: false as const }] }, () => [peer]);
  const stats = (): number => group.stats()['a']?.pending ?? 0;
  await abortSecond(group, peer, held, stats);
  const a = group.stats()['a'];
  assert.deepEqual([a?.requests, a?.errors], [3, 1], 'the aborted request counted once, as an error');
});
