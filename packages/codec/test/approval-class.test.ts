// Whether an answer moved money (isApprovalClass): the dialect's approval codes, and the standard's approval class of
// the dialect's edition: ISO 8583:1987's 00, 08, 10 (partial), 11 (VIP), 16 (in 3 digits too, where field 39 has 3);
// ISO 8583:1993's 0xx. isApproved (what stats and records call approved) stays the dialect's codes only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalCodesOf, createCodec, dialectFromJson, getDialect, isApprovalClass, isApproved, isIso8583Error } from '../src/index.js';
import type { Dialect } from '../src/index.js';

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
  for (const code of [undefined, null, 0, 10, '', '1', '1000', '0000']) assert.equal(isApprovalClass(own, code), false, String(code));
  // A 4-character 0xxx is the 2003 edition's approval class under a fixed 4-character field 39 only (test below).
  assert.equal(isApprovalClass({ ...own, fields: { '39': { name: 'response code', type: 'n', length: 4, encoding: 'ascii' } } }, '0000'), true);
});

test('approval class – a 1987 dialect with a 3-digit field 39 (SmartVista): 000 and 010 moved money; 051, 096, 005 are declines', () => {
  const d = getDialect('smartvista');
  for (const code of ['000', '008', '010', '011', '016']) assert.equal(isApprovalClass(d, code), true, code);
  for (const code of ['051', '096', '091', '005', '001', '099', '116']) assert.equal(isApprovalClass(d, code), false, code);
});

test('approval class – a dialect\'s approvalClass replaces the standard\'s: a private network whose 11 declines', () => {
  const base = getDialect('iso87ascii');
  const own: Dialect = { ...base, approvalClass: ['00', '08', '10', '16'] };
  for (const code of ['00', '08', '10', '16']) assert.equal(isApprovalClass(own, code), true, code);
  for (const code of ['11', '05', '51']) assert.equal(isApprovalClass(own, code), false, code);
  createCodec(own);
  // Empty: only the dialect's approval codes moved money.
  const none: Dialect = { ...base, approvalClass: [], approvalCodes: ['00'] };
  assert.equal(isApprovalClass(none, '00'), true);
  for (const code of ['08', '10', '11', '16']) assert.equal(isApprovalClass(none, code), false, code);
  // A 1993 dialect: its 002 partial approval kept, its 003 taken out.
  const d93: Dialect = { ...getDialect('iso93ascii'), approvalClass: ['001', '002'] };
  for (const code of ['000', '001', '002']) assert.equal(isApprovalClass(d93, code), true, code);
  for (const code of ['003', '099']) assert.equal(isApprovalClass(d93, code), false, code);
  // The approval codes stay approvals whatever the class says.
  assert.equal(isApprovalClass({ ...base, approvalCodes: ['Y1'], approvalClass: ['10'] }, 'Y1'), true);
});

test('approval class – a bad approvalClass is refused with ISO8583_ERR_DIALECT_INVALID naming it, in code and in a JSON dialect file', () => {
  const base = getDialect('iso87ascii');
  const refused = (make: () => unknown, path: string): void => {
    assert.throws(make, (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID' && err.problems?.some((p) => p.field === path) === true, path);
  };
  refused(() => createCodec({ ...base, approvalClass: '10' as never }), 'approvalClass');
  refused(() => createCodec({ ...base, approvalClass: ['00', 10 as never] }), 'approvalClass.1');
  refused(() => createCodec({ ...base, approvalClass: ['00', '1-'] }), 'approvalClass.1');
  refused(() => createCodec({ ...base, approvalClass: ['010'] }), 'approvalClass.0');
  refused(() => createCodec({ ...getDialect('smartvista'), approvalClass: ['000', '10'] }), 'approvalClass.1');
  refused(() => dialectFromJson({ name: 'x', extends: 'iso87ascii', approvalClass: ['000'], fields: {} }), 'approvalClass.0');
  refused(() => dialectFromJson({ name: 'x', extends: 'iso87ascii', approvalClass: [10], fields: {} } as never), 'approvalClass.0');
  // A JSON dialect file sets it, and one that extends it inherits it.
  const file = dialectFromJson({ name: 'private', extends: 'iso87ascii', approvalClass: ['00', '10'], fields: {} });
  assert.deepEqual(file.approvalClass, ['00', '10']);
  assert.equal(isApprovalClass(file, '11'), false);
  assert.equal(isApprovalClass(dialectFromJson({ name: 'plain', extends: 'iso87ascii', fields: {} }), '11'), true, 'default unchanged');
});

test('approval class – a JSON dialect file sets approvalClass null: the standard\'s class, whatever it extends says', () => {
  const file = dialectFromJson({ name: 'standard', extends: 'iso87ascii', approvalClass: null, fields: {} } as never);
  assert.equal(file.approvalClass, undefined);
  for (const code of ['00', '08', '10', '11', '16']) assert.equal(isApprovalClass(file, code), true, code);
  assert.equal(isApprovalClass(file, '05'), false);
  createCodec(file);
});

test('approval class – a 1993 dialect whose field 39 has 2 characters: its codes are 1987 response codes (10 a partial approval moved money)', () => {
  const base = getDialect('iso93ascii');
  const d: Dialect = { ...base, approvalCodes: ['00'], fields: { ...base.fields, '39': { ...base.fields['39']!, length: 2 } } };
  createCodec(d);
  for (const code of ['00', '08', '10', '11', '16']) assert.equal(isApprovalClass(d, code), true, code);
  for (const code of ['05', '51', '91', '96', '01']) assert.equal(isApprovalClass(d, code), false, code);
  // A 3-digit code stays an action code of the edition.
  assert.equal(isApprovalClass(d, '002'), true);
  assert.equal(isApprovalClass(d, '116'), false);
  // Its own approvalClass still replaces the standard's.
  assert.equal(isApprovalClass({ ...d, approvalClass: ['08'] }, '10'), false);
  const file = dialectFromJson({ name: 'n2', extends: 'iso93ascii', approvalCodes: ['00'], fields: { '39': { length: 2 } } });
  assert.equal(isApprovalClass(file, '10'), true, 'a JSON dialect file alike');
});

test('approval class – a 4-wide field 39 (the 2003 edition): every 0xxx moved money, with or without approvalCodes or approvalClass (sr69q #1-#3)', () => {
  const f39 = { type: 'n', length: 4, encoding: 'ascii' };
  const wide = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 } });
  assert.deepEqual(approvalCodesOf(wide), ['0000'], 'the default approval code is as wide as field 39');
  assert.ok(isApproved(wide, '0000'));
  const named = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, approvalCodes: ['0000'] });
  const emptyClass = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, approvalClass: [] });
  const ownClass = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, approvalCodes: ['0000'], approvalClass: ['0000'] });
  for (const dialect of [wide, named, emptyClass]) {
    for (const mti of ['0210', '1110', '2210', undefined]) {
      for (const code of ['0000', '0001', '0002', '0003']) assert.ok(isApprovalClass(dialect, code, mti), `${code} ${mti}`);
      for (const code of ['1000', '1016', '2004', '9001']) assert.ok(!isApprovalClass(dialect, code, mti), `${code} ${mti}`);
    }
  }
  // A class named (a private network whose 0xxx holds declines) is the dialect's word (sr69m #1).
  assert.ok(isApprovalClass(ownClass, '0000', '0210'));
  assert.ok(!isApprovalClass(ownClass, '0051', '0210'), 'a named class is honoured');
});
