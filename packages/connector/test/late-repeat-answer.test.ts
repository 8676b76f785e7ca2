// A late answer of a repeat (0211 to a 0201 that timed out, the bank echoing the repeat's origin): an approval at the
// bank all the same, counted once in the amounts and SocketQueue's figures, as a repeat's answer (money-repeats.ts).
// Before: `Accounting.late` took only 0110/0210 answers, so a late approved 0211 counted nowhere (secured 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A promise for the `n`th `late-response` the connector reports, and the messages reported. */
function lateResponses(connector: Connector): { messages: IsoMessage[]; nth(n: number): Promise<void> } {
  const messages: IsoMessage[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  connector.on('late-response', (m: IsoMessage) => {
    messages.push(m);
    for (const w of waiting) if (messages.length >= w.n) w.resolve();
  });
  return { messages, nth: (n) => (messages.length >= n ? Promise.resolve() : new Promise<void>((resolve) => void waiting.push({ n, resolve }))) };
}

/** The bank's approval of a repeat: its answer echoing the repeat's origin (0211 to a 0201). */
function repeatApproval(request: IsoMessage): IsoMessage {
  return { ...answer(request), '0': '0211' };
}

test('a repeat (0201) that timed out, approved late with a 0211: secured once', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = lateResponses(connector);
  await connector.connect();
  const repeat = { ...purchase('005301', 'TERM0021', '000000001500'), '0': '0201', '7': '1206050000' };
  await assert.rejects(connector.request(repeat), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [received] = (await peer.waitFor(1)) as [Received];
  peer.send(received.socket, repeatApproval(received.message));
  await within(late.nth(1), 10_000, 'the repeat\'s approval to come late');
  assert.equal(late.messages[0]?.['0'], '0211');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 }, 'the late approval is at the bank');
  assert.equal(stats.socketQueue.securedAmount, 15);
  assert.deepEqual([stats.timeouts, stats.responses], [1, 0], 'its request counted as a timeout, not a response');
  assert.equal(stats.socketQueue.packetCount['0211'], 1, 'one late packet');
});

for (const order of [['0210', '0211'], ['0211', '0210']] as const) {
  test(`a purchase and its repeat both timed out, answered late (${order.join(' then ')}): one booking, counted once`, async (t) => {
    const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
    const late = lateResponses(connector);
    const unsolicited: IsoMessage[] = [];
    connector.on('unsolicited', (m: IsoMessage) => void unsolicited.push(m));
    await connector.connect();
    const buy = { ...purchase('005311', 'TERM0022', '000000002500'), '7': '1206050100' };
    await assert.rejects(connector.request(buy), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    await assert.rejects(connector.request({ ...buy, '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const received = await peer.waitFor(2);
    const byMti = new Map(received.map((r) => [r.message['0'] as string, r]));
    for (const mti of order) {
      const r = byMti.get(mti === '0210' ? '0200' : '0201') as Received;
      peer.send(r.socket, mti === '0210' ? answer(r.message) : repeatApproval(r.message));
    }
    // The first is the late answer (the key's); the second, its key forgotten, the host's copy of the booking.
    await within(late.nth(1), 10_000, 'the first approval to come late');
    await within(
      new Promise<void>((resolve) => (unsolicited.length > 0 ? resolve() : connector.once('unsolicited', () => resolve()))),
      10_000,
      'the second approval to be reported',
    );
    assert.deepEqual([late.messages.map((m) => m['0']), unsolicited.map((m) => m['0'])], [[order[0]], [order[1]]]);
    const stats = connector.stats();
    assert.deepEqual(stats.amounts, { processed: 2500, secured: 2500, refund: 0, reversal: 0 }, 'one transaction, booked once');
    assert.equal(stats.socketQueue.securedAmount, 25);
    assert.equal(stats.socketQueue.processedAmount, 25, 'the purchase, not its repeat');
  });
}

test('a repeat\'s decline (0211, 05) is a fault in SocketQueue\'s figures as a 0210\'s is', async (t) => {
  // Before: `faultStat` took only 0210 and 0410 answers: a declined 0211 counted no fault.
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, { ...answer(r.message, { '39': '05' }), '0': '0211' }), { transactionLog: false });
  await connector.connect();
  assert.equal((await connector.request({ ...purchase('005321', 'TERM0023'), '0': '0201' }))['39'], '05');
  const stats = connector.stats();
  assert.deepEqual(stats.socketQueue.faultStat, { '5': 1 });
  assert.deepEqual(stats.amounts, { processed: 1000, secured: 0, refund: 0, reversal: 0 });
});
