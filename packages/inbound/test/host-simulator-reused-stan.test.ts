// A terminal that reuses one STAN many times (more than the index reads in full): reversals, completions and early
// reversals still find their own transaction by its keys (card, class, field 7 or 12), and the journal forgets them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import { SMALL } from '../src/host-simulator/stan-index.js';
import { VISA, ask, tx } from './support/simulator.js';

const MASTERCARD = '5555555555554444';
const NOW = new Date(Date.UTC(2026, 10, 21, 10, 30, 0));
/** More transactions under one STAN and terminal than the index reads without keys. */
const MANY = SMALL * 3;

/** Field 7 of the n-th transmission: 21 November 10:30, n seconds on. */
const at = (n: number): string => `11211030${String(n).padStart(2, '0')}`;

/** Field 90 naming STAN 000001 of `mti` sent at `transmission`, acquirer 123456. */
const named = (mti: string, transmission: string): string => `${mti}000001${transmission}${'123456'.padStart(11, '0')}${'0'.repeat(11)}`;

test('host simulator reused STAN – a terminal reusing STAN 000001: each reversal finds its own transaction by field 7, card and class', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1000000 }, [MASTERCARD]: { balance: 1000000 } }, now: () => NOW });
  // First a purchase without field 7 (any time a reversal names matches it, unless a transaction of that exact time does).
  const noTime: IsoMessage = tx('0200', '000001', 300);
  delete noTime['7'];
  await ask(sim, noTime);
  for (let n = 0; n < MANY; n++) assert.equal((await ask(sim, tx('0200', '000001', 100 + n, { 7: at(n) })))?.['39'], '00');
  await ask(sim, tx('0100', '000001', 5000, { 7: at(MANY) }));
  await ask(sim, tx('0200', '000001', 700, { 2: MASTERCARD, 7: at(MANY + 1) }));
  const spent = Array.from({ length: MANY }, (_, n) => 100 + n).reduce((a, b) => a + b, 0);
  let balance = 1000000 - 300 - spent - 5000;
  assert.equal(sim.balanceOf(VISA), balance);
  // The first timed purchase, named by field 90 (its field 7): 100 back, and only that.
  assert.equal((await ask(sim, { ...tx('0400', '000002', 100), 90: named('0200', at(0)) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), (balance += 100));
  // The pre-authorisation, by its class: completed for 4000 (the hold of 5000 released).
  assert.equal((await ask(sim, { ...tx('0220', '000003', 4000), 90: named('0100', at(MANY)) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), (balance += 5000 - 4000));
  // A field 90 naming no time: the amount decides (field 4, the original's): the purchase of 105, not the latest.
  assert.equal((await ask(sim, { ...tx('0400', '000004', 105), 90: named('0200', '0000000000') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), (balance += 105));
  // An amount no purchase has: the latest purchase of the card.
  assert.equal((await ask(sim, { ...tx('0400', '000004', 1000), 90: named('0200', '0000000000') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), (balance += 100 + MANY - 1));
  // A time no transaction has: the purchase without field 7 (no time on the original: any time matches it).
  assert.equal((await ask(sim, { ...tx('0400', '000005', 300), 90: named('0200', at(58)) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), (balance += 300));
  assert.equal((await ask(sim, { ...tx('0400', '000006', 300), 90: named('0200', at(57)) }))?.['39'], '00', 'already reversed');
  assert.equal(sim.balanceOf(VISA), balance);
  // The other card's, by field 2 without field 90; the VISA balance does not move.
  assert.equal((await ask(sim, tx('0400', '000001', 700, { 2: MASTERCARD, 7: at(59) })))?.['39'], '00');
  assert.equal(sim.balanceOf(MASTERCARD), 1000000);
  assert.equal(sim.balanceOf(VISA), balance);
  // Another terminal under the same STAN: none of these.
  assert.equal((await ask(sim, { ...tx('0400', '000007', 101, { 41: 'TERM0002' }), 90: named('0200', at(1)) }))?.['39'], '25');
  assert.equal(sim.balanceOf(VISA), balance);
});

test('host simulator reused STAN – many reversals before their originals under one STAN: each late original finds its own', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1000000 } }, now: () => NOW });
  // Early reversals of the even transmissions, full; of the odd ones, partial (half the amount done).
  for (let n = 0; n < MANY; n++) {
    const reversal: IsoMessage = { ...tx('0400', '000009', 1000), 90: named('0200', at(n)) };
    if (n % 2 === 1) reversal['95'] = '000000000500' + '0'.repeat(30);
    assert.equal((await ask(sim, reversal))?.['39'], '25');
  }
  // The originals come in the reverse order; each is declined (full) or booked at half (partial).
  for (let n = MANY - 1; n >= 0; n--) {
    const reply = await ask(sim, tx('0200', '000001', 1000, { 7: at(n) }));
    assert.equal(reply?.['39'], n % 2 === 0 ? '05' : '00', `transmission ${n}`);
  }
  assert.equal(sim.balanceOf(VISA), 1000000 - (MANY / 2) * 500);
  // A transmission no reversal named is booked in full.
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: at(MANY) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 1000000 - (MANY / 2) * 500 - 1000);
});

test('host simulator reused STAN – the journal forgets the oldest of one STAN and terminal: reversed while held, 25 once dropped', async () => {
  const journalSize = SMALL * 2;
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1000000 } }, journalSize, now: () => NOW });
  for (let n = 0; n < MANY; n++) await ask(sim, tx('0200', '000001', 100, { 7: at(n) }));
  assert.equal((await ask(sim, { ...tx('0400', '000002', 100), 90: named('0200', at(0)) }))?.['39'], '25', 'dropped');
  assert.equal((await ask(sim, { ...tx('0400', '000002', 100), 90: named('0200', at(MANY - journalSize)) }))?.['39'], '00', 'the oldest held');
  assert.equal(sim.balanceOf(VISA), 1000000 - (MANY - 1) * 100);
});

test('host simulator reused STAN – a 10.00 and a 25.00 purchase under one STAN: each reversal gives back its own amount, a repeat nothing', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 10000 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: at(1) })))?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000001', 2500, { 7: at(2) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 6500);
  // No field 90: found by STAN + terminal + acquirer; field 4 (the original's amount) says which.
  assert.equal((await ask(sim, tx('0400', '000001', 1000, { 7: at(3) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 7500, 'the 10.00 purchase given back, not the 25.00 one');
  assert.equal((await ask(sim, tx('0401', '000001', 1000, { 7: at(4) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 7500, 'the repeat of the reversal moves nothing');
  assert.equal((await ask(sim, tx('0400', '000001', 2500, { 7: at(5) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 10000, 'the 25.00 purchase given back too');
});

test('host simulator reused STAN – 1993: a 401 partial reversal finds its original by the amount in field 30', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 10000 } }, now: () => NOW });
  const at12 = (n: number): string => `2611211030${String(n).padStart(2, '0')}`;
  assert.equal((await ask(sim, tx('1200', '000001', 1000, { 12: at12(1) })))?.['39'], '000');
  assert.equal((await ask(sim, tx('1200', '000001', 2500, { 12: at12(2) })))?.['39'], '000');
  assert.equal(sim.balanceOf(VISA), 6500);
  // 6.00 of the 10.00 purchase done: 4.00 back (the 25.00 one, the latest, stays as it is).
  const partial = tx('1420', '000001', 600, { 12: at12(3), 24: '401', 30: '000000001000000000001000' });
  assert.equal((await ask(sim, partial))?.['39'], '400');
  assert.equal(sim.balanceOf(VISA), 6900);
});

test('host simulator reused STAN – two 10.00 purchases under one STAN: a 0420 and its repeat 0421 give back 10.00 once', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 10000 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: at(1) })))?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: at(2) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 8000);
  // No field 90: STAN + terminal + acquirer and the amount find both; the reversal takes the latest.
  assert.equal((await ask(sim, tx('0420', '000001', 1000, { 7: at(3) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 9000);
  // Its repeat finds what the reversal found (already reversed): nothing moves, the earlier purchase stands.
  assert.equal((await ask(sim, tx('0421', '000001', 1000, { 7: at(4) })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 9000, 'the repeat must not refund the other 10.00 purchase');
});
