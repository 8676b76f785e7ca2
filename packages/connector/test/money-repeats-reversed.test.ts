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

// A reversal names its original by field 90's STAN and transmission time (money-repeats.ts `reversal`): under a STAN
// and terminal used again, the reversal of the first purchase undoes the first, not the newest. Before: it marked the
// newest (B) reversed, so B sent again was booked anew (secured 6000 for 3500 at the bank), and A sent again was taken
// for a copy of A (+0 for a new booking).
for (const resend of ['B', 'A'] as const) {
  test(`two purchases under one STAN, the first reversed: ${resend} sent again counts as the bank books it`, async (t) => {
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
    await connector.connect();
    const a = { ...purchase('004991', 'TERM0017', '000000001000'), '7': '1206037000' };
    const b = { ...purchase('004991', 'TERM0017', '000000002500'), '7': '1206037100' };
    assert.equal((await connector.request(a))['39'], '00');
    assert.equal((await connector.request(b))['39'], '00');
    assert.equal((await connector.request(reversalOf(a, '004992')))['39'], '00', 'the bank undid A');
    assert.deepEqual(connector.stats().amounts, { processed: 3500, secured: 3500, refund: 0, reversal: 1000 });
    assert.equal((await connector.request({ ...(resend === 'B' ? b : a) }))['39'], '00');
    const booked = resend === 'B' ? 3500 : 4500; // B again is a copy of B; A again is booked anew (A was undone)
    assert.deepEqual(connector.stats().amounts, { processed: booked, secured: booked, refund: 0, reversal: 1000 });
  });
}
