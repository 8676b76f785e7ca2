// Which edition's codes an answer's field 39 carries is said by its MTI, as the codes written are (responseCodeFor,
// responseCodeIn: a 1xxx MTI carries ISO 8583:1993 action codes), not by the dialect's version: given the MTI,
// isApprovalClass reads a 1993 `002` (partial approval) in the answer to a 1100 under a 1987 dialect whose field 39 has
// 3 digits as moving money, and a 1987 `051` (not sufficient funds) in the answer to a 0200 under a 1993 dialect as a
// decline. Without the MTI the dialect's version says it, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isApprovalClass, responseCodeFor } from '../src/index.js';

test('approval class by the MTI – a 1xxx answer under a 1987 dialect with a 3-digit field 39 carries 1993 action codes', () => {
  const d = getDialect('smartvista');
  for (const code of ['002', '001', '003', '000', '099']) assert.equal(isApprovalClass(d, code, '1110'), true, code);
  for (const code of ['116', '909', '100']) assert.equal(isApprovalClass(d, code, '1210'), false, code);
  // What the gateway writes in such an answer reads back as what it means.
  assert.equal(isApprovalClass(d, responseCodeFor('1100', '10'), '1110'), true, 'a partial approval written for a 1100');
  assert.equal(isApprovalClass(d, responseCodeFor('1100', '96'), '1110'), false, 'a 96 written for a 1100');
  // A 0xxx answer in the same dialect: 1987 codes in 3 digits, as before.
  assert.equal(isApprovalClass(d, '002', '0110'), false);
  assert.equal(isApprovalClass(d, '010', '0210'), true);
  assert.equal(isApprovalClass(d, '002'), false, 'no MTI: the dialect\'s version (1987), as before');
});

test('approval class by the MTI – a 0xxx answer under a 1993 dialect carries 1987 codes: 051 and 096 are declines, 010 a partial approval', () => {
  const d = getDialect('iso93ascii');
  for (const code of ['051', '096', '005', '091', '001']) assert.equal(isApprovalClass(d, code, '0210'), false, code);
  for (const code of ['010', '008', '011', '016', '10', '00']) assert.equal(isApprovalClass(d, code, '0110'), true, code);
  // A 1xxx answer, or none given: 1993 action codes, as before.
  assert.equal(isApprovalClass(d, '051', '1210'), true);
  assert.equal(isApprovalClass(d, '051'), true);
  // Not 4 characters: the MTI says nothing, the dialect's version does.
  for (const mti of ['', '210', 'x']) assert.equal(isApprovalClass(d, '051', mti), true, mti);
  // Another version digit (2xxx): read as written, 1987 codes (responseCodeFor writes a 96 there as 96, 096 in n 3).
  assert.equal(isApprovalClass(d, '096', '2210'), false, 'a 96 written for a 2200');
  assert.equal(isApprovalClass(d, responseCodeFor('2200', '96').padStart(3, '0'), '2210'), false);
  assert.equal(isApprovalClass(d, '010', '2210'), true);
});
