// Whether an undelivered answer moved money reads the processing code (field 3) as the wire has it: a caller's short
// `'3000'` for the fixed `n 6` field goes to the bank as `003000`, a purchase, so its approval moved money and is
// reversed; before, the text as written (`3000`, first digit 3) was taken for an inquiry and the approval left undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { movedMoney } from '../src/index.js';

const dialect = getDialect('iso87ascii');
const approval = { '0': '0210', '39': '00' };

test('movedMoney – field 3 read as the wire has it: a short purchase code is a purchase, a full 3x code an inquiry', () => {
  assert.equal(movedMoney(dialect, { '0': '0200', '3': '3000', '4': '1000' }, approval), true, "'3000' goes as 003000: a purchase");
  assert.equal(movedMoney(dialect, { '0': '0200', '3': 3000, '4': '1000' } as unknown as IsoMessage, approval), true, '3000 goes as 003000: a purchase');
  assert.equal(movedMoney(dialect, { '0': '0200', '3': '000000', '4': '1000' }, approval), true, 'a purchase');
  assert.equal(movedMoney(dialect, { '0': '0100', '3': '310000' }, { ...approval, '0': '0110' }), false, 'a balance inquiry moved nothing');
  assert.equal(movedMoney(dialect, { '0': '0200', '4': '1000' }, { ...approval, '3': '300000' }), false, "the answer's field 3 when the request has none");
  assert.equal(movedMoney(dialect, { '0': '0200', '3': '000000', '4': '1000' }, { ...approval, '39': '05' }), false, 'a decline');
});
