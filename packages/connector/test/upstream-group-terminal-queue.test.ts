// terminalQueue in an upstream group: one queue for the whole group, so a terminal (field 41) has one request at the
// banks at a time even when the strategy spreads its requests over several upstreams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { purchase, answer, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { startGroup, upstream } from './helpers/setup.js';

test('round robin with terminalQueue on every upstream: a terminal\'s requests go to both banks, one at a time, in order', async (t) => {
  const held: Received[] = [];
  let most = 0;
  const hold = (r: Received, p: Peer): void => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
    most = Math.max(most, held.length);
  };
  const a = await startPeer(hold);
  const b = await startPeer(hold);
  const tq = { enabled: true, timeout: 20_000 };
  const options = (name: string, p: Peer) => ({ ...upstream(name, p), requestTimeout: 20_000, terminalQueue: tq, transactionLog: false as const });
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [options('a', a), options('b', b)] }, () => [a, b]);
  const outcomes = ['700001', '700002', '700003', '700004'].map((stan) => group.request(purchase(stan, 'TERM0001')));
  for (let n = 1; n <= 4; n++) {
    await waitUntil(() => held.length === 1, { what: `request ${n} of TERM0001 at a bank` });
    // The others wait in the group's one queue: none is at the other bank meanwhile.
    const stats = group.stats();
    assert.equal((stats['a']?.pending ?? 0) + (stats['b']?.pending ?? 0), 4 - n, `${4 - n} waiting while request ${n} is at a bank`);
    const r = held.shift() as Received;
    (a.sockets.has(r.socket) ? a : b).send(r.socket, answer(r.message));
  }
  assert.deepEqual((await Promise.all(outcomes)).map((r) => r['39']), ['00', '00', '00', '00']);
  assert.equal(most, 1, 'one request of the terminal at the banks at a time');
  const stans = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0200').map((r) => String(r.message['11']));
  assert.deepEqual(stans(a), ['700001', '700003']);
  assert.deepEqual(stans(b), ['700002', '700004']);
});
