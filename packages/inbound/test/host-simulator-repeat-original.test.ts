// A reversal finds the transaction it names by field 90's time also when the simulator journaled a repeat as its
// original (a 1987 0201 carries the time of its own transmission in field 7, later than the original's), and prefers
// the transaction of the exact time named over a later one without field 7 (each also with the STAN and terminal
// reused more times than the index reads in full: the keyed lookups); an early reversal naming the time of the
// original that comes is taken before one naming none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import { SMALL } from '../src/host-simulator/stan-index.js';
import { VISA, ask, tx } from './support/simulator.js';

const NOW = new Date(Date.UTC(2027, 0, 1, 0, 0, 10));
/** Field 90 naming STAN `stan` of `mti` sent at `transmission`, acquirer 123456. */
const named = (mti: string, stan: string, transmission: string): string => `${mti}${stan}${transmission}${'123456'.padStart(11, '0')}${'0'.repeat(11)}`;

/** A simulator holding `reused` earlier purchases of 1.00 under STAN 000001 (the keyed index past SMALL), and its balance. */
async function simulator(reused: number): Promise<{ sim: ReturnType<typeof createHostSimulator>; balance: number }> {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1_000_000 } }, now: () => NOW });
  for (let n = 0; n < reused; n++) assert.equal((await ask(sim, tx('0200', '000001', 100, { 7: `12301000${String(n).padStart(2, '0')}` })))?.['39'], '00');
  return { sim, balance: 1_000_000 - reused * 100 };
}

for (const reused of [0, SMALL * 2]) {
  const label = reused === 0 ? '' : ` (STAN reused ${reused} times)`;

  test(`host simulator repeat as original – the original lost across the year turn, its repeat booked: a reversal naming the original's field 7 gives the money back once${label}`, async () => {
    const { sim, balance } = await simulator(reused);
    // The 0200 of 31 December 23:59:58 never came; its repeat of 1 January 00:00:05 is booked as the original.
    const local = { 12: '235958', 13: '1231' };
    assert.equal((await ask(sim, tx('0201', '000001', 1000, { 7: '0101000005', ...local })))?.['39'], '00');
    assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: '1231235958', ...local })))?.['39'], '00', 'the late original: the answer given');
    assert.equal(sim.balanceOf(VISA), balance - 1000);
    const reversal: IsoMessage = tx('0400', '000002', 1000, { 7: '0101000007', 90: named('0200', '000001', '1231235958') });
    assert.equal((await ask(sim, reversal))?.['39'], '00');
    assert.equal(sim.balanceOf(VISA), balance);
    assert.equal((await ask(sim, { ...reversal, 0: '0401', 7: '0101000009' }))?.['39'], '00', 'the repeat');
    assert.equal(sim.balanceOf(VISA), balance, 'given back once');
    // A field 90 naming a time after the repeat's is another transaction: not this one.
    assert.equal((await ask(sim, tx('0400', '000003', 1000, { 90: named('0200', '000001', '0101000006') })))?.['39'], '25');
  });

  test(`host simulator repeat as original – a reversal before its original, which then comes only as its repeat: declined, no money moved${label}`, async () => {
    const { sim, balance } = await simulator(reused);
    assert.equal((await ask(sim, tx('0400', '000002', 1000, { 7: '0101000007', 90: named('0200', '000001', '1231235958') })))?.['39'], '25');
    assert.equal((await ask(sim, tx('0201', '000001', 1000, { 7: '0101000009', 12: '235958', 13: '1231' })))?.['39'], '05');
    assert.equal(sim.balanceOf(VISA), balance);
  });

  test(`host simulator repeat as original – a reversal naming a purchase by its field 7 reverses that one, not a later one without field 7${label}`, async () => {
    const { sim, balance } = await simulator(reused);
    assert.equal((await ask(sim, tx('0200', '000001', 1000, { 7: '1231235950' })))?.['39'], '00');
    const noTime = tx('0200', '000001', 300);
    delete noTime['7'];
    assert.equal((await ask(sim, noTime))?.['39'], '00');
    assert.equal(sim.balanceOf(VISA), balance - 1300);
    assert.equal((await ask(sim, tx('0400', '000002', 1000, { 90: named('0200', '000001', '1231235950') })))?.['39'], '00');
    assert.equal(sim.balanceOf(VISA), balance - 300, 'the 10.00 purchase named is reversed');
    // A time no transaction has still finds the one without field 7.
    assert.equal((await ask(sim, tx('0400', '000003', 300, { 90: named('0200', '000001', '1231235951') })))?.['39'], '00');
    assert.equal(sim.balanceOf(VISA), balance);
  });
}

test("host simulator repeat as original – two reversals before their originals, one naming a time and one none: each original is declined, the named one by its own", async () => {
  const { sim, balance } = await simulator(0);
  assert.equal((await ask(sim, tx('0400', '000007', 1000, { 7: '0101000005', 90: named('0200', '000009', '1231235958') })))?.['39'], '25');
  // No field 90: it names STAN 000009 of this terminal and acquirer, at any time.
  assert.equal((await ask(sim, tx('0400', '000009', 500, { 7: '0101000006' })))?.['39'], '25');
  assert.equal((await ask(sim, tx('0200', '000009', 1000, { 7: '1231235958' })))?.['39'], '05', 'the one named by its time');
  assert.equal((await ask(sim, tx('0200', '000009', 500, { 7: '0101000009' })))?.['39'], '05', 'the one the other reversal names');
  assert.equal(sim.balanceOf(VISA), balance);
});
