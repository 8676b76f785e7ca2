// Reversal off (the default): a 0200 left unanswered at bank A (sent 'maybe': a timeout, or A's link lost after the
// write) may have been approved there; its repeat (0201) goes to A, or is refused UPSTREAM_DOWN with A down, never to
// bank B, which would approve it too (the cardholder charged twice). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const mtis = (peer: Peer): string[] => peer.received.map((r) => String(r.message['0']));
const outcome = (p: Promise<unknown>): Promise<string> => p.then((m) => `answered ${String((m as Record<string, unknown>)['39'])}`, (e: { code?: string }) => `failed ${String(e.code)}`);

test('upstream group repeat unanswered – round robin: the 0201 of a 0200 that timed out at A goes to A, not B', async (t) => {
  const a = await peerFor(t, () => undefined); // takes every request, answers none
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 300 }, upstream('B', b)] }, () => []);
  const err = await failure(group.request(purchase('057001', 'TERMREP1')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(await outcome(group.request({ ...purchase('057001', 'TERMREP1'), '0': '0201' })), 'failed ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.deepEqual(mtis(a), ['0200', '0201']);
  assert.deepEqual(mtis(b), [], 'B (another bank) must never get the repeat of a transaction A may have approved');
  // Another transaction still goes by the strategy.
  assert.equal(await outcome(group.request(purchase('057003', 'TERMREP1'))), 'answered 00');
});

test('upstream group repeat unanswered – failover: the 0201 of a 0200 whose link to A dropped after the write is refused UPSTREAM_DOWN', async (t) => {
  const a = await peerFor(t, (r) => { r.socket.destroy(); }); // takes the 0200, then the link drops
  const b = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const group = await startGroup(t, { upstreams: [{ ...upstream('A', a), requestTimeout: 5_000, reconnect: { initialDelay: 5_000, maxDelay: 5_000 } }, upstream('B', b)] }, () => []);
  const err = await failure(group.request(purchase('057002', 'TERMREP2')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal(await outcome(group.request({ ...purchase('057002', 'TERMREP2'), '0': '0201' })), 'failed ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN');
  assert.deepEqual(mtis(b), [], 'B (another bank) must never get the repeat of a transaction A may have approved');
});

test('upstream group repeats – round robin: a second 0201 after a first that timed out at A goes to A too, never B', async (t) => {
  const a = await peerFor(t, () => undefined);
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 300 }, upstream('B', b)] }, () => []);
  assert.equal((await failure(group.request(purchase('057001', 'TERMREP1')))).sent, 'maybe');
  await failure(group.request({ ...purchase('057001', 'TERMREP1'), '0': '0201' }));
  await failure(group.request({ ...purchase('057001', 'TERMREP1'), '0': '0201' }));
  assert.deepEqual(mtis(a), ['0200', '0201', '0201']);
  assert.deepEqual(mtis(b), [], 'B (another bank) never gets a repeat of a transaction A may have approved');
});

test('upstream group repeats – round robin: the 0201 of a 0200 A approved (its answer lost on the way to the terminal) goes to A', async (t) => {
  const a = await peerFor(t);
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [upstream('A', a), upstream('B', b)] }, () => []);
  assert.equal(((await group.request(purchase('057101', 'TERMREP3'))) as Record<string, unknown>)['39'], '00');
  await group.request({ ...purchase('057101', 'TERMREP3'), '0': '0201' }).catch(() => undefined);
  assert.deepEqual(mtis(a), ['0200', '0201']);
  assert.deepEqual(mtis(b), [], 'B never gets the repeat of a transaction A approved');
});
