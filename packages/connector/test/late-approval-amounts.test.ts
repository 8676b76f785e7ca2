// The money figures of late approvals (late-keys.ts): a late approval that does not echo fields 3 and 4 counts the
// amount and processing code its request sent (remembered with the timed-out key), and the host's duplicate of a late
// approval, while a request reusing the key waits, is counted once. Before: the approval without field 4 counted 0
// secured (its refund not a refund), and the duplicate was reported late and counted secured a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A promise for the `n`th message the connector reports as `event`, and the messages reported. */
function reported(connector: Connector, event: 'late-response' | 'unsolicited'): { messages: IsoMessage[]; nth(n: number): Promise<void> } {
  const messages: IsoMessage[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  connector.on(event, (m: IsoMessage) => {
    messages.push(m);
    for (const w of waiting) if (messages.length >= w.n) w.resolve();
  });
  return { messages, nth: (n) => (messages.length >= n ? Promise.resolve() : new Promise<void>((resolve) => void waiting.push({ n, resolve }))) };
}

/** The bank's approval of `request` without fields 3 and 4 (a bank that does not echo them). */
function bareApproval(request: IsoMessage): IsoMessage {
  const out = answer(request);
  delete out['3'];
  delete out['4'];
  return out;
}

test('a late approval without fields 3 and 4 counts the amount and processing code its request sent', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = reported(connector, 'late-response');
  await connector.connect();
  const refund = { ...purchase('005102', 'TERM0001', '000000000250'), '3': '200000' };
  await Promise.all([
    assert.rejects(connector.request(purchase('005101')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' }),
    assert.rejects(connector.request(refund), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' }),
  ]);
  const received = await peer.waitFor(2);
  for (const r of received) peer.send(r.socket, bareApproval(r.message));
  await within(late.nth(2), 10_000, 'both approvals to be reported late');
  assert.deepEqual(late.messages.map((m) => [m['4'], m['39']]), [[undefined, '00'], [undefined, '00']], 'the bank echoed no field 4');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1250, secured: 1250, refund: 250, reversal: 0 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.refundAmount], [7.5, 2.5]);
});

test('a reused key: the host\'s duplicate of a late approval, while the new request waits, is counted once', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = reported(connector, 'late-response');
  const unsolicited = reported(connector, 'unsolicited');
  await connector.connect();
  await assert.rejects(connector.request({ ...purchase('004712'), '7': '1204190000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const pending = connector.request({ ...purchase('004712', 'TERM0001', '000000002500'), '7': '1204190030' }, { timeout: 20_000 });
  pending.catch(() => undefined);
  const [old, reused] = (await peer.waitFor(2)) as [Received, Received];
  // The old purchase's approval, late, twice (the bank's duplicate), then the new one's: in this order on the connection.
  peer.send(old.socket, answer(old.message));
  peer.send(old.socket, answer(old.message));
  peer.send(reused.socket, answer(reused.message));
  const got = await within(pending, 10_000, 'the new request to be answered');
  assert.deepEqual([got['4'], got['39'], got['7']], ['000000002500', '00', '1204190030'], 'the new request got its own approval');
  // Answers are handled in their order on the connection: both copies were, once the new request has its answer.
  assert.deepEqual(late.messages.map((m) => m['4']), ['000000001000'], 'the old approval is reported late once');
  assert.deepEqual(unsolicited.messages.map((m) => m['4']), ['000000001000'], 'its copy is the host\'s duplicate');
  // Its copy after the new request was answered (nothing waits under the key) is the duplicate too.
  peer.send(old.socket, answer(old.message));
  const next = (n: number): Promise<void> => Promise.race([late.nth(n), unsolicited.nth(n)]);
  await within(next(2), 10_000, 'the third copy to be reported');
  assert.deepEqual([late.messages.length, unsolicited.messages.length], [1, 2], 'the third copy is unsolicited');
  const stats = connector.stats();
  assert.equal(stats.amounts.secured, 3500, '10.00 late and 25.00 in time, each once');
  assert.equal(stats.socketQueue.securedAmount, 35);
});

test('two timed-out requests under one key: each late approval without field 4 counts its own request\'s amount', async (t) => {
  // Before: one amount was kept per key (the last request's): the first approval counted 25.00, and the key forgotten
  // with it made the second approval unsolicited (not counted at all).
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = reported(connector, 'late-response');
  await connector.connect();
  await assert.rejects(connector.request({ ...purchase('005301'), '7': '1204190000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('005301', 'TERM0001', '000000002500'), '7': '1204190030' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [first, second] = (await peer.waitFor(2)) as [Received, Received];
  peer.send(first.socket, bareApproval(first.message));
  peer.send(first.socket, bareApproval(first.message)); // the host's duplicate
  peer.send(second.socket, bareApproval(second.message));
  await within(late.nth(2), 10_000, 'both approvals to be reported late');
  assert.deepEqual(late.messages.map((m) => m['7']), ['1204190000', '1204190030']);
  const stats = connector.stats();
  assert.equal(stats.amounts.secured, 3500, '10.00 and 25.00, each once');
  assert.equal(stats.socketQueue.securedAmount, 35);
});
