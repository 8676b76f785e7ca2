// The money figures of a purchase sent again as it was after its reversal was accepted (money-repeats.ts): the bank
// undid the first booking, so the same 0200 sent again is booked anew and counts again. Before: the resend was taken
// for a copy of the reversed transaction, so its approval added nothing (secured 3000 - 3000 reversed = 0 at the bank's
// 30.00 booked, securedAmount 0, processedAmount 30).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** The reversal (0400, its own STAN `stan`) of `original`, naming it in field 90. */
function reversalOf(original: IsoMessage, stan: string): IsoMessage {
  return { ...original, '0': '0400', '11': stan, '90': `0200${original['11'] as string}${original['7'] as string}${'0'.repeat(22)}` };
}

test('a purchase approved, reversed (accepted), then sent again as it was and approved: booked again, counted again', async (t) => {
  const { connector, peer } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const buy = { ...purchase('004981', 'TERM0017', '000000003000'), '7': '1206037000' };
  assert.equal((await connector.request(buy))['39'], '00');
  assert.equal((await connector.request(reversalOf(buy, '004982')))['39'], '00', 'the bank undid the purchase');
  let stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 3000 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [0, 30]);
  // The terminal sends the same purchase again (same STAN, terminal and field 7): the bank books it anew.
  assert.equal((await connector.request({ ...buy }))['39'], '00');
  stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 6000, secured: 6000, refund: 0, reversal: 3000 }, 'the new booking counts');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [30, 60]);
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
});
