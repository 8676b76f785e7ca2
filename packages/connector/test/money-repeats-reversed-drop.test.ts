// The per-key bound of the money figures (TRANSACTIONS_PER_KEY settled transactions under one STAN and terminal) drops
// the oldest settled record: it once dropped one whose reversal was counted, and the next accepted answer of that
// reversal (a repeat, 0401, or a late answer of an earlier attempt) found no record of its original, opened one and
// counted the reversal a second time. Now a record without a counted reversal is dropped first (sr64m #3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import { MoneyRepeats, TRANSACTIONS_PER_KEY } from '../src/money-repeats.js';

const dialect = getDialect('iso87ascii');

/** Field 7 of transmission `n`. */
const time = (n: number): string => `1207${String(n).padStart(6, '0')}`;

/** A purchase under STAN 000042 of TERM0001 sent at transmission time `n` (field 7). */
const buy = (n: number): Record<string, string> => ({ '0': '0200', '3': '000000', '4': '000000001000', '7': time(n), '11': '000042', '41': 'TERM0001' });

/** The reversal (`mti`) of purchase `n`: field 90 names its MTI, STAN and field 7. */
const reversalOf = (n: number, mti = '0400'): Record<string, string> => ({ ...buy(n), '0': mti, '90': `0200000042${time(n)}${'0'.repeat(22)}` });

test('the per-key bound keeps a transaction whose reversal counted: a repeat of that reversal counts nothing again', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  repeats.written('0200', buy(1));
  assert.deepEqual(repeats.financial('0210', buy(1), true), { processed: true, secured: true });
  assert.equal(repeats.reversal(reversalOf(1), true), true, 'the reversal of the first counts');
  for (let n = 2; n <= TRANSACTIONS_PER_KEY + 2; n++) {
    repeats.written('0200', buy(n));
    assert.deepEqual(repeats.financial('0210', buy(n), true), { processed: true, secured: true }, `transaction ${n} counts once`);
  }
  assert.equal(repeats.reversal(reversalOf(1, '0401'), true), false, 'the repeat of the counted reversal: not counted again');
  const byKey = (repeats as unknown as { byKey: Map<string, unknown[]> }).byKey;
  assert.ok([...byKey.values()][0]!.length <= TRANSACTIONS_PER_KEY, 'the key still keeps no more than the bound');
});

test('every settled record of a key reversed: the one the bound drops is remembered reversed, a later repeat of its reversal counts nothing again (fix66b F2)', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  for (let n = 1; n <= TRANSACTIONS_PER_KEY; n++) {
    repeats.written('0200', buy(n));
    assert.deepEqual(repeats.financial('0210', buy(n), true), { processed: true, secured: true }, `transaction ${n} counts once`);
    assert.equal(repeats.reversal(reversalOf(n), true), true, `the reversal of transaction ${n} counts`);
  }
  // One more under the key: past the bound, every settled record reversed, the oldest (transaction 1) is dropped.
  repeats.written('0200', buy(TRANSACTIONS_PER_KEY + 1));
  const byKey = (repeats as unknown as { byKey: Map<string, { sent?: string }[]> }).byKey;
  assert.ok(![...byKey.values()][0]!.some((c) => c.sent === time(1)), 'transaction 1 is no longer remembered');
  assert.equal(repeats.reversal(reversalOf(1, '0401'), true), false, 'the repeat of the dropped transaction\'s counted reversal: not counted again');
  assert.equal(repeats.reversal(reversalOf(1, '0421'), true), false, 'nor an advice repeat after it');
  assert.equal(repeats.reversal(reversalOf(TRANSACTIONS_PER_KEY + 1), true), true, 'the open transaction\'s own reversal still counts once');
});

test('a record dropped unreversed (the bound drops such first): its first accepted reversal still counts once', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  for (let n = 1; n <= TRANSACTIONS_PER_KEY + 1; n++) {
    repeats.written('0200', buy(n));
    repeats.financial('0210', buy(n), true);
  }
  assert.equal(repeats.reversal(reversalOf(1), true), true, 'transaction 1 (dropped, never reversed) is reversed once');
  assert.equal(repeats.reversal(reversalOf(1, '0401'), true), false, 'its repeat counts nothing again');
});
