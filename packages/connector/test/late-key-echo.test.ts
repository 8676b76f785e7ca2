// A match key reused after a timeout, and the timed-out request's answer arriving while the new request waits: the
// answer is ambiguous by key, so the echoed field 7 (transmission date and time) decides. A different field 7 makes
// it the old request's late answer (reported late; the new request keeps waiting for its own); no field 7, or the
// same one, leaves it to the request in flight (nothing else tells them apart). Real socket, a peer that answers when
// the test says, answers sent in order on the one connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, corruptResponse, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A purchase with field 7 `time` (none when `undefined`). */
function purchaseAt(amount: string, time: string | undefined): IsoMessage {
  const message = purchase('004711', 'TERM0001', amount);
  if (time === undefined) delete message['7'];
  else message['7'] = time;
  return message;
}

/** The late answers the connector reports, and a promise for the `n`th. */
function lateAnswers(connector: Connector): { answers: IsoMessage[]; nth(n: number): Promise<void> } {
  const answers: IsoMessage[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  connector.on('late-response', (m) => {
    answers.push(m);
    for (const w of waiting) if (answers.length >= w.n) w.resolve();
  });
  return { answers, nth: (n) => (answers.length >= n ? Promise.resolve() : new Promise<void>((resolve) => void waiting.push({ n, resolve }))) };
}

/**
 * A purchase of 10.00 at field 7 `first` times out unanswered; one of 25.00 under the same STAN and terminal at field
 * 7 `second` is written on the same connection. Returns both as the peer received them and the second's promise.
 */
async function reusedKey(peer: Peer, connector: Connector, first: string | undefined, second: string | undefined): Promise<{ old: Received; reused: Received; pending: Promise<IsoMessage> }> {
  await connector.connect();
  await assert.rejects(connector.request(purchaseAt('000000001000', first)), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const pending = connector.request(purchaseAt('000000002500', second), { timeout: 20_000 });
  pending.catch(() => undefined);
  const [old, reused] = (await peer.waitFor(2)) as [Received, Received];
  assert.equal(old.socket, reused.socket, 'both on the one connection');
  return { old, reused, pending };
}

test('a reused key: the old request\'s late answer (another field 7) is reported late, the new request gets its own', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = lateAnswers(connector);
  const unsolicited: IsoMessage[] = [];
  connector.on('unsolicited', (m) => void unsolicited.push(m));
  const { old, reused, pending } = await reusedKey(peer, connector, '1204190000', '1204190030');
  // The host declines the old one, late, then approves the new one: in this order on the connection.
  peer.send(old.socket, answer(old.message, { '39': '05' }));
  peer.send(reused.socket, answer(reused.message));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39'], got['7']], ['000000002500', '00', '1204190030'], 'the new request got its own approval');
  await within(late.nth(1), 10_000, 'the old answer to be reported late');
  assert.deepEqual(late.answers.map((m) => [m['4'], m['39']]), [['000000001000', '05']], 'the old decline is the late one');
  assert.deepEqual(unsolicited, []);
});

test('a reused key: the host\'s copy of the late answer, while the new request waits, is its duplicate (unsolicited)', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = lateAnswers(connector);
  const unsolicited: IsoMessage[] = [];
  connector.on('unsolicited', (m) => void unsolicited.push(m));
  const { old, reused, pending } = await reusedKey(peer, connector, '1204190000', '1204190030');
  peer.send(old.socket, answer(old.message, { '39': '05' }));
  peer.send(old.socket, answer(old.message, { '39': '05' }));
  peer.send(reused.socket, answer(reused.message));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39']], ['000000002500', '00'], 'the new request got its own approval');
  // Handled in their order on the connection: both copies were, once the new request has its answer.
  assert.deepEqual(late.answers.map((m) => m['4']), ['000000001000'], 'the late answer once');
  assert.deepEqual(unsolicited.map((m) => m['4']), ['000000001000'], 'its copy the host\'s duplicate');
});

test('a reused key: the old request\'s undecodable late answer (another field 7) does not fail the new request', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  connector.on('error', () => undefined);
  const { old, reused, pending } = await reusedKey(peer, connector, '1204190000', '1204190030');
  old.socket.write(corruptResponse(peer, answer(old.message, { '39': '05' })));
  peer.send(reused.socket, answer(reused.message));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39']], ['000000002500', '00'], 'the new request got its own approval');
});

for (const [name, first, second] of [
  ['no field 7 in either', undefined, undefined],
  ['the same field 7', '1204190000', '1204190000'],
  ['no field 7 in the new request', '1204190000', undefined],
] as const) {
  test(`a reused key with ${name}: the first answer under the key is the new request's (nothing tells them apart)`, async (t) => {
    const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
    const late = lateAnswers(connector);
    const { old, reused, pending } = await reusedKey(peer, connector, first, second);
    peer.send(old.socket, answer(old.message, { '39': '05' }));
    peer.send(reused.socket, answer(reused.message));
    const got = await within(pending, 10_000, 'the new request to be answered');
    assert.deepEqual([got['4'], got['39']], ['000000001000', '05'], 'the old answer resolved the new request, as documented');
    await within(late.nth(1), 10_000, 'the next answer to be reported late');
    assert.deepEqual(late.answers.map((m) => m['4']), ['000000002500']);
  });
}

test('a reused key: a host writing its own field 7 (no timed-out request sent it) answers the new request, which gets it', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = lateAnswers(connector);
  const { old, reused, pending } = await reusedKey(peer, connector, '1204190000', '1204190030');
  peer.send(reused.socket, answer(reused.message, { '7': '1204235959' }));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39'], got['7']], ['000000002500', '00', '1204235959'], 'the new request got its own approval');
  // The old one's answer, the host's time in it too, after: nothing waits under the key, so it is the late one.
  peer.send(old.socket, answer(old.message, { '7': '1204235958' }));
  await within(late.nth(1), 10_000, 'the old answer to be reported late');
  assert.deepEqual(late.answers.map((m) => m['4']), ['000000001000']);
});

test('a repeat (0201, another field 7) under a timed-out key: the original\'s answer, echoing the original\'s field 7, is the repeat\'s', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  await connector.connect();
  await assert.rejects(connector.request(purchaseAt('000000001000', '1204190000')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const pending = connector.request({ ...purchaseAt('000000001000', '1204190030'), '0': '0201' }, { timeout: 20_000 });
  const [original] = (await peer.waitFor(2)) as [Received, Received];
  peer.send(original.socket, answer(original.message));
  const got = await within(pending, 10_000, 'the repeat to be answered');
  assert.deepEqual([got['0'], got['39'], got['7']], ['0210', '00', '1204190000'], 'one transaction: its answer is the repeat\'s');
});

test('a repeat that timed out keeps its field 7: its late answer is told from that of a new request reusing the key', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = lateAnswers(connector);
  await connector.connect();
  await assert.rejects(connector.request({ ...purchaseAt('000000001000', '1204190000'), '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const pending = connector.request(purchaseAt('000000002500', '1204190030'), { timeout: 20_000 });
  pending.catch(() => undefined);
  const [repeat, reused] = (await peer.waitFor(2)) as [Received, Received];
  // The host declines the timed-out repeat, late, then approves the new request: in this order on the connection.
  peer.send(repeat.socket, answer(repeat.message, { '39': '05' }));
  peer.send(reused.socket, answer(reused.message));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39'], got['7']], ['000000002500', '00', '1204190030'], 'the new request got its own approval');
  await within(late.nth(1), 10_000, 'the repeat\'s answer to be reported late');
  assert.deepEqual(late.answers.map((m) => [m['4'], m['39']]), [['000000001000', '05']]);
});
