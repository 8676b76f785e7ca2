// A host that stamps its own time in field 7 (docs/connector.md): two purchases under one STAN and terminal time out,
// and both late approvals carry the host's field 7, which names neither transmission. Each is a booking: the two
// count 2,000 of 2,000 (money-repeats.ts `financial`: the oldest record of the transaction not counted yet). Before, the
// first opened a record of its own (the field 7 naming none) and the second was counted as its copy: 1,000 of 2,000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { MoneyRepeats } from '../src/money-repeats.js';

const buy = { '0': '0200', '3': '000000', '4': '000000001000', '11': '005967', '41': 'TERM0024' };
const approval = { ...buy, '0': '0210', '7': '1206079999', '39': '00' };

test('money repeats – two late approvals with the host\'s own field 7 count two timed-out purchases, a third nothing', () => {
  const repeats = new MoneyRepeats(getDialect('iso87ascii'));
  assert.equal(repeats.written('0200', { ...buy, '7': '1206070000' }), false);
  assert.equal(repeats.written('0200', { ...buy, '7': '1206070100' }), false);
  assert.deepEqual(repeats.financial('0200', approval, true, true, approval), { processed: true, secured: true }, 'the first purchase\'s');
  assert.deepEqual(repeats.financial('0200', approval, true, true, approval), { processed: true, secured: true }, 'the second purchase\'s');
  assert.deepEqual(repeats.financial('0200', approval, true, true, approval), { processed: false, secured: false }, 'no purchase is left uncounted: a copy');
});

test('money repeats, guard – a late approval naming the transmission of a purchase counted is its copy, not another purchase\'s', () => {
  const repeats = new MoneyRepeats(getDialect('iso87ascii'));
  repeats.written('0200', { ...buy, '7': '1206070000' });
  repeats.written('0200', { ...buy, '7': '1206070100' });
  const first = { ...approval, '7': '1206070000' };
  assert.deepEqual(repeats.financial('0200', first, true, true, first), { processed: true, secured: true });
  assert.deepEqual(repeats.financial('0200', first, true, true, first), { processed: false, secured: false }, 'its transmission\'s answer counted: a copy');
  const second = { ...approval, '7': '1206070100' };
  assert.deepEqual(repeats.financial('0200', second, true, true, second), { processed: true, secured: true }, 'the other purchase still counts');
});
