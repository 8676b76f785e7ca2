// An upstream group fails over by what was sent (`err.sent`), not by the error's code: a request refused before its
// write on the first upstream ('no', whatever the code) is answered by the next; one written there and then lost
// ('maybe') is never sent to another bank; a refusal about the request itself (the same transaction in flight, its
// caller's abort) stays where it is. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamFailureCode } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const purchasesAt = (peer: Peer): string[] => peer.received.filter((r) => r.message['0'] === '0200').map((r) => String(r.message['11']));

/** A host that holds every purchase (0200) it reads and answers the rest. */
const holding = (t: Parameters<typeof peerFor>[0]): Promise<Peer> =>
  peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });

test('upstream group sent – refused before its write on the primary (its in-flight limit, a code of no table): answered by the backup', async (t) => {
  const a = await holding(t);
  const b = await peerFor(t);
  const group = await startGroup(t, { upstreams: [{ ...upstream('primary', a), maxInFlight: 1, requestTimeout: 60_000 }, upstream('backup', b)] }, () => []);
  const held = failure(group.request(purchase('051001')));
  await a.waitFor(1);
  const answered = await group.request(purchase('051002'));
  assert.equal(answered['39'], '00', 'never written to the primary (sent: no): the backup answers it');
  assert.deepEqual(purchasesAt(a), ['051001']);
  assert.deepEqual(purchasesAt(b), ['051002']);
  await group.destroy();
  assert.equal((await held).sent, 'maybe');
});

test('upstream group sent – written to the primary and then lost with its connection: never sent to the backup (maybe, 68)', async (t) => {
  const a = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0200') r.socket.destroy();
    else p.send(r.socket, answer(r.message));
  });
  const b = await peerFor(t);
  const group = await startGroup(t, { upstreams: [upstream('primary', a), upstream('backup', b)] }, () => []);
  const err = await failure(group.request(purchase('051101')));
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'maybe', '68']);
  assert.deepEqual(purchasesAt(a), ['051101']);
  assert.deepEqual(purchasesAt(b), [], 'the backup never got a purchase the primary may approve');
});

test('upstream group sent – refused before its write for the request itself (the same key in flight; its caller aborted): never sent to the backup', async (t) => {
  const a = await holding(t);
  const b = await peerFor(t);
  const group = await startGroup(t, { upstreams: [{ ...upstream('primary', a), requestTimeout: 60_000 }, upstream('backup', b)] }, () => []);
  const held = failure(group.request(purchase('051201')));
  await a.waitFor(1);
  const duplicate = await failure(group.request(purchase('051201')));
  assert.deepEqual([duplicate.code, duplicate.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no']);
  const controller = new AbortController();
  controller.abort({ code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' });
  const aborted = await failure(group.request(purchase('051202'), { signal: controller.signal }));
  assert.deepEqual([aborted.code, aborted.sent], ['ISO8583_ERR_CONNECTOR_ABORTED', 'no']);
  assert.deepEqual(purchasesAt(b), [], 'neither went to the backup');
  await group.destroy();
  await held;
});
