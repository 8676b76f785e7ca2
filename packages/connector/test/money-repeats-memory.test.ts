// How long the money figures remember a transaction counted (money-repeats.ts): by age (a few request timeouts after
// its last count), with a count cap far above what a busy connector counts in that time. Before: the last 16 384
// transactions only, about 27 s at 600 tps, less than the default 30 s request timeout, so a repeat's approval after
// that many others counted was secured a second time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { MoneyRepeats } from '../src/money-repeats.js';

const dialect = getDialect('iso87ascii');
const buy = (stan: number, terminal = 'TERM0001'): Record<string, string> => ({ '0': '0200', '11': String(stan).padStart(6, '0'), '32': '123456', '41': terminal });

test('an approved repeat after 20 000 other transactions counted within the timeout adds nothing', () => {
  const repeats = new MoneyRepeats(dialect, 30_000);
  const first = buy(1, 'TERM0900');
  repeats.written('0200', first);
  assert.deepEqual(repeats.financial('0200', first, true), { processed: true, secured: true });
  for (let i = 0; i < 20_000; i++) {
    const other = buy(i % 999_999, `T${String(i).padStart(7, '0')}`);
    repeats.written('0200', other);
    repeats.financial('0200', other, true);
  }
  assert.deepEqual(repeats.financial('0201', { ...first, '0': '0201' }, true), { processed: false, secured: false });
});

test('a transaction is forgotten a few request timeouts after its last count', () => {
  let now = 0;
  const repeats = new MoneyRepeats(dialect, 1000, () => now);
  const first = buy(2);
  assert.deepEqual(repeats.financial('0200', first, true), { processed: true, secured: true });
  now = 3999;
  assert.deepEqual(repeats.financial('0201', { ...first, '0': '0201' }, true), { processed: false, secured: false }, 'remembered within 4 timeouts');
  now = 3999 + 4001;
  assert.deepEqual(repeats.financial('0201', { ...first, '0': '0201' }, true), { processed: true, secured: true }, 'forgotten after');
});
