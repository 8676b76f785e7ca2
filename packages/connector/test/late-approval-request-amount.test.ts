// A late approval's amount is judged against what its request sent, by the one rule an answer in time follows
// (accounting.ts `bookedAmountOf`, reversal-amount.ts `amountKept`): the answer's field 4 counts only when it is not
// more than the request's and in the request's currency (field 49), else the request's amount counts. Before: the late
// path passed the answer's own field 4 as the request's (and no field 49), so a late approval above the request counted
// the answer's amount, and one in another currency counted its foreign amount. Real sockets, a peer the test drives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A promise for the `n`th late response the connector reports. */
function lateReported(connector: Connector): (n: number) => Promise<void> {
  let seen = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  connector.on('late-response', () => {
    seen += 1;
    for (const w of waiting) if (seen >= w.n) w.resolve();
  });
  return (n) => (seen >= n ? Promise.resolve() : new Promise<void>((resolve) => void waiting.push({ n, resolve })));
}

test('a late approval above its request counts the request\'s amount, as the same approval in time does', async (t) => {
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      // The in-time purchase is answered at once, approving more than it asked; the other one is held (it times out).
      if (r.message['11'] === '005801') p.send(r.socket, answer(r.message, { '4': '000000001500' }));
    },
    { requestTimeout: 300, transactionLog: false },
  );
  const late = lateReported(connector);
  await connector.connect();
  const inTime = await connector.request(purchase('005801'), { timeout: 20_000 });
  assert.equal(inTime['4'], '000000001500');
  assert.equal(connector.stats().amounts.secured, 1000, 'in time: the request\'s 10.00, not the answer\'s 15.00');
  await assert.rejects(connector.request(purchase('005802')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const held = (await peer.waitFor(2)).find((r) => r.message['11'] === '005802') as Received;
  peer.send(held.socket, answer(held.message, { '4': '000000001500' }));
  await within(late(1), 10_000, 'the late approval to be reported');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 2000, secured: 2000, refund: 0, reversal: 0 }, 'late: the request\'s 10.00 too');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [20, 20]);
});

test('a late approval in another currency than its request\'s counts the request\'s amount', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 300, transactionLog: false });
  const late = lateReported(connector);
  await connector.connect();
  await assert.rejects(connector.request(purchase('005803')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [held] = (await peer.waitFor(1)) as [Received];
  assert.equal(held.message['49'], '840');
  // 5.00 in euros: not an amount of the request's dollars.
  const reply: IsoMessage = answer(held.message, { '4': '000000000500', '49': '978' });
  peer.send(held.socket, reply);
  await within(late(1), 10_000, 'the late approval to be reported');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 0 }, 'the request\'s 10.00 (840), not 5.00 (978)');
});

test('a late partial approval in the request\'s currency counts the amount approved', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 300, transactionLog: false });
  const late = lateReported(connector);
  await connector.connect();
  await assert.rejects(connector.request(purchase('005804')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [held] = (await peer.waitFor(1)) as [Received];
  peer.send(held.socket, answer(held.message, { '4': '000000000600' }));
  await within(late(1), 10_000, 'the late approval to be reported');
  assert.deepEqual(connector.stats().amounts, { processed: 600, secured: 600, refund: 0, reversal: 0 });
});

test('two timed-out purchases under one key, late approvals without field 7, each judged against its own request', async (t) => {
  // The bank echoes no field 7: each answer is paired with the timed-out request whose amount it echoes, so each is
  // judged against its own request (not the other's: 25.00 against 10.00 would count 10.00).
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 300, transactionLog: false, pool: { min: 1, max: 1 } });
  const late = lateReported(connector);
  await connector.connect();
  await assert.rejects(connector.request({ ...purchase('005805', 'TERM0001', '000000002500'), '7': '1206039000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('005805', 'TERM0001', '000000001000'), '7': '1206039100' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const received = await peer.waitFor(2);
  // The first request's answer first: the newest timed-out request (10.00) is not the one it answers.
  for (const r of received) {
    const reply = answer(r.message);
    delete reply['7'];
    peer.send(r.socket, reply);
  }
  await within(late(2), 10_000, 'both late approvals to be reported');
  assert.deepEqual(connector.stats().amounts, { processed: 3500, secured: 3500, refund: 0, reversal: 0 });
});
