// Whether an answer moved money (isApprovalClass): the dialect's approval codes, and the standard's approval class of
// the dialect's edition: ISO 8583:1987's 00, 08, 10 (partial), 11 (VIP), 16 (in 3 digits too, where field 39 has 3);
// ISO 8583:1993's 0xx. isApproved (what stats and records call approved) stays the dialect's codes only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isApprovalClass, isApproved } from '../src/index.js';

test('approval class – ISO 8583:1987: 00, 08, 10, 11, 16 moved money; declines, referrals and errors did not', () => {
  const d = getDialect('iso87ascii');
  for (const code of ['00', '08', '10', '11', '16']) assert.equal(isApprovalClass(d, code), true, code);
  for (const code of ['01', '05', '12', '51', '91', '96', 'A0']) assert.equal(isApprovalClass(d, code), false, code);
  assert.equal(isApproved(d, '10'), false, 'reporting still counts only the dialect\'s approval codes');
});

test('approval class – ISO 8583:1993: 000-099 moved money; 100 and above did not', () => {
  const d = getDialect('iso93ascii');
  for (const code of ['000', '001', '002', '003', '099']) assert.equal(isApprovalClass(d, code), true, code);
  for (const code of ['100', '116', '400', '909', '0A1', '00 ']) assert.equal(isApprovalClass(d, code), false, code);
});

test('approval class – a dialect\'s own approval codes count; an absent or non-string code does not', () => {
  const own = { approvalCodes: ['Y1'] };
  assert.equal(isApprovalClass(own, 'Y1'), true);
  assert.equal(isApprovalClass(own, '10'), true);
  for (const code of [undefined, null, 0, 10, '', '1', '0000']) assert.equal(isApprovalClass(own, code), false, String(code));
});

test('approval class – a 1987 dialect with a 3-digit field 39 (SmartVista): 000 and 010 moved money; 051, 096, 005 are declines', () => {
  const d = getDialect('smartvista');
  for (const code of ['000', '008', '010', '011', '016']) assert.equal(isApprovalClass(d, code), true, code);
  for (const code of ['051', '096', '091', '005', '001', '099', '116']) assert.equal(isApprovalClass(d, code), false, code);
});
