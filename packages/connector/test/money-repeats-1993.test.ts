// ISO 8583:1993 reversals in the money figures (money-repeats.ts): a 1420's original data elements (field 56: the
// original's MTI, STAN, local date and time, field 12, and acquirer) name its original by field 12, as a 1987 0400's
// field 90 names it by field 7. Under a STAN and terminal used again, the reversal of the first purchase undoes the
// first, not the newest. Before: it marked the newest (B) reversed, so B sent again was counted as booked anew
// (secured 6000 for 3500 at the bank), and A sent again was taken for a copy of A (+0 for a new booking).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { answer } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A 1993 purchase of `amount` under STAN 004991 at terminal TERM0017, sent at `time` (field 7 and 12's hhmmss). */
function purchase93(amount: string, time: string): IsoMessage {
  return {
    '0': '1200', '2': '4111111111111111', '3': '000000', '4': amount, '7': `1206${time}`, '11': '004991',
    '12': `261206${time}`, '32': '123456', '41': 'TERM0017', '49': '840',
  };
}

/** The 1420 (its own STAN 004992) of `original`, naming it in field 56 by its MTI, STAN, field 12 and acquirer. */
function reversal93(original: IsoMessage): IsoMessage {
  return { ...original, '0': '1420', '11': '004992', '56': `1200${original['11'] as string}${original['12'] as string}06123456` };
}

/** The host: a 1200 approved (000), a 1420 accepted (400). */
function answer93(request: IsoMessage): IsoMessage {
  const mti = request['0'] as string;
  return { ...answer(request, { '39': mti.startsWith('14') ? '400' : '000' }), '0': responseMti(mti)! };
}

for (const resend of ['B', 'A'] as const) {
  test(`1993: two purchases under one STAN, the first reversed by field 56: ${resend} sent again counts as the bank books it`, async (t) => {
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer93(r.message)), { dialect: 'iso93ascii', transactionLog: false }, { dialect: 'iso93ascii' });
    await connector.connect();
    const a = purchase93('000000001000', '037000');
    const b = purchase93('000000002500', '037100');
    assert.equal((await connector.request(a))['39'], '000');
    assert.equal((await connector.request(b))['39'], '000');
    assert.equal((await connector.request(reversal93(a)))['39'], '400', 'the bank undid A');
    assert.deepEqual(connector.stats().amounts, { processed: 3500, secured: 3500, refund: 0, reversal: 1000 });
    assert.equal((await connector.request({ ...(resend === 'B' ? b : a) }))['39'], '000');
    const booked = resend === 'B' ? 3500 : 4500; // B again is a copy of B; A again is booked anew (A was undone)
    assert.deepEqual(connector.stats().amounts, { processed: booked, secured: booked, refund: 0, reversal: 1000 });
  });
}
