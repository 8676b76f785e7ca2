// A reversal answered `25` (undid nothing) is remembered: its original's late approval is reversed again. A request of
// that transaction approved in time clears the note (the host booked it once). A NEW transaction reusing the STAN at
// that terminal (another amount, or another card) must not clear it: the old transaction's late approval would keep
// the money unreversed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

const dialect = getDialect('iso87ascii');
const reversal = { '0': '0400', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000042', '41': 'TERM0001' };
const approved = { '0': '0210', '11': '000042', '41': 'TERM0001', '39': '00' };
const late = { ...approved, '4': '000000001000' };

test('OvertakenReversals.approvedInTime: another transaction under the same STAN and terminal leaves the note; the late approval is reversed', () => {
  const o = new OvertakenReversals(dialect);
  o.answered(reversal, { '0': '0410', '39': '25' });
  assert.equal(o.approvedInTime({ reversal: { ...reversal, '4': '000000002000' } }, approved), false, 'another amount: a new transaction');
  assert.equal(o.approvedInTime({ reversal: { ...reversal, '2': '5500000000000004' } }, approved), false, 'another card: a new transaction');
  assert.deepEqual(o.again(late)?.reversal, { ...reversal, '0': '0401' }, 'the old transaction\'s late approval still reversed');
});

test('OvertakenReversals.approvedInTime: the same transaction approved in time clears the note', () => {
  const o = new OvertakenReversals(dialect);
  o.answered(reversal, { '0': '0410', '39': '25' });
  assert.equal(o.approvedInTime({ reversal: { ...reversal, '0': '0200' } }, approved), true);
  assert.equal(o.again(late), undefined, 'the host booked it once: nothing to reverse');
});
