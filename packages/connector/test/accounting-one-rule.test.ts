// The amounts (`stats().amounts`, the metric) and SocketQueue's figures read a financial answer's amount and refund by
// one rule, decided once (accounting.ts `money`): the answer's fields 4 and 3 when it carries them, else the request's
// (field 3 as the wire has it), a refund a processing code starting 20. Before: the amounts took the request's field 4
// and field 3 in time, SocketQueue's figures the answer's, and only 200000 was a refund there: an approval of another
// amount than asked counted 30.00 in `secured` and 20.00 in `securedAmount`; a refund from a credit account (203000)
// counted in `refund` and as a purchase in `securedAmount`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('an approval of another amount than asked counts that amount in the amounts and SocketQueue\'s figures alike', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message, { '4': '000000002000' })), { transactionLog: false });
  await connector.connect();
  assert.equal((await connector.request(purchase('094001', 'TERM0021', '000000003000')))['4'], '000000002000');
  const { amounts, socketQueue } = connector.stats();
  assert.deepEqual(amounts, { processed: 2000, secured: 2000, refund: 0, reversal: 0 }, 'what the bank approved');
  assert.equal(socketQueue.securedAmount, 20);
  assert.equal(socketQueue.processedAmount, 30, 'every 0200 passed on, by its own amount (SocketQueue\'s definition)');
});

test('a refund from a credit account (processing code 203000) is a refund in the amounts and SocketQueue\'s figures alike', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  assert.equal((await connector.request({ ...purchase('094011', 'TERM0021', '000000000250'), '3': '203000' }))['39'], '00');
  const { amounts, socketQueue } = connector.stats();
  assert.deepEqual(amounts, { processed: 250, secured: 250, refund: 250, reversal: 0 });
  assert.deepEqual([socketQueue.refundAmount, socketQueue.securedAmount], [2.5, -2.5]);
});

// The amount an answer approved is the one rule of reversal-amount.ts (`approvedAmountOf`, `amountKept`): an answer
// whose field 4 is all zeros says nothing of the amount, and one larger than asked is not taken. Before: a 30.00
// purchase answered with zeros in field 4 counted nothing in `processed` or `secured`, and one answered 50.00 counted
// 50.00 approved.
for (const [said, why] of [['000000000000', 'zeros'], ['000000005000', 'more than asked']] as const) {
  test(`an approval whose field 4 is ${why} counts the request's amount`, async (t) => {
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message, { '4': said })), { transactionLog: false });
    await connector.connect();
    assert.equal((await connector.request(purchase('094021', 'TERM0021', '000000003000')))['39'], '00');
    const { amounts, socketQueue } = connector.stats();
    assert.deepEqual(amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 0 });
    assert.equal(socketQueue.securedAmount, 30);
  });
}

test('a late approval whose field 4 is all zeros counts the amount its request sent', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  const late = new Promise<void>((resolve) => connector.once('late-response', () => resolve()));
  await connector.connect();
  await assert.rejects(connector.request(purchase('094031', 'TERM0021', '000000003000')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [r] = await peer.waitFor(1);
  peer.send(r!.socket, answer(r!.message, { '4': '000000000000' }));
  await late;
  assert.deepEqual(connector.stats().amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 0 });
});
