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
