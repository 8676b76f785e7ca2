// The money figures remember at most TRANSACTIONS_PER_KEY settled transactions under one STAN and terminal (a terminal
// reusing its STAN): the bound once dropped the oldest whatever it was, so a timed-out original still unanswered was
// forgotten after 8 newer transactions under its key, and its late approval (come unsolicited, before its reversal's
// answer) was taken for an unknown transaction's: not counted, while its reversal counted, secured minus reversals went
// below what the bank booked. Now only a settled one (its answer counted) is dropped, and the key still keeps no more.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import { MoneyRepeats, TRANSACTIONS_PER_KEY, UNANSWERED_PER_KEY } from '../src/money-repeats.js';

const dialect = getDialect('iso87ascii');

/** A purchase under STAN 000042 of TERM0001 sent at transmission time `n` (field 7). */
const buy = (n: number): Record<string, string> => ({ '0': '0200', '3': '000000', '4': '000000001000', '7': `1207${String(n).padStart(6, '0')}`, '11': '000042', '41': 'TERM0001' });

/** The records remembered under the one key (a peek at the private index: the bound is what is tested). */
const underKey = (repeats: MoneyRepeats): number =>
  ((repeats as unknown as { byKey: Map<string, unknown[]> }).byKey.get([...(repeats as unknown as { byKey: Map<string, unknown[]> }).byKey.keys()][0] as string) ?? []).length;

test('an unanswered original under a key used again is still known to its late approval after many settled ones', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  const first = buy(1);
  repeats.written('0200', first); // timed out: no answer counted
  for (let n = 2; n < 2 + 3 * TRANSACTIONS_PER_KEY; n++) {
    repeats.written('0200', buy(n));
    assert.deepEqual(repeats.financial('0210', buy(n), true), { processed: true, secured: true }, `transaction ${n} counts once`);
  }
  const late = { ...first, '0': '0210', '39': '00' };
  assert.notEqual(repeats.uncounted(late), undefined, 'the first one is still known, its answer uncounted');
  assert.deepEqual(repeats.financial('0200', first, true, true, late), { processed: true, secured: true }, 'its late approval counts once');
  assert.ok(underKey(repeats) <= TRANSACTIONS_PER_KEY + 1, `${underKey(repeats)} records under the key`);
});

test('a key used again without end keeps at most TRANSACTIONS_PER_KEY settled transactions, and a copy of the newest approval adds nothing', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  for (let n = 1; n <= 200; n++) {
    repeats.written('0200', buy(n));
    repeats.financial('0200', buy(n), true, false, { '37': `REF${n}`, '38': 'A00001' });
  }
  assert.equal(underKey(repeats), TRANSACTIONS_PER_KEY);
  const newest = buy(200);
  assert.deepEqual(repeats.financial('0200', newest, true, true, { '37': 'REF200', '38': 'A00001' }), { processed: false, secured: false }, 'a copy');
  assert.deepEqual(repeats.financial('0201', { ...newest, '0': '0201' }, true), { processed: false, secured: false }, 'its repeat: no second charge');
});

test('a key whose transactions all stay unanswered keeps at most UNANSWERED_PER_KEY, the newest still known to its late answer', () => {
  // Unbounded, every write walked the whole key's list (sr64f: 20 000 unanswered writes took 209 us each).
  const repeats = new MoneyRepeats(dialect, 30_000);
  const writes = 3 * UNANSWERED_PER_KEY;
  for (let n = 1; n <= writes; n++) assert.equal(repeats.written('0200', buy(n)), false, `transaction ${n} is new`);
  assert.equal(underKey(repeats), UNANSWERED_PER_KEY);
  const newest = buy(writes);
  assert.notEqual(repeats.uncounted({ ...newest, '0': '0210', '39': '00' }), undefined, 'the newest is still known, its answer uncounted');
  assert.deepEqual(repeats.financial('0200', newest, true, true), { processed: true, secured: true }, 'its late approval counts once');
  assert.equal(repeats.written('0200', newest), true, 'the newest sent again is a resend');
});
