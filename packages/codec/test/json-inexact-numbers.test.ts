// JSON.parse reads `"4": 25.00` (also 2.5e1, 25e0, 1E2, 0.0, -0) as a whole number: fromJson took it as 25, sent as 25
// minor units when 25.00 was meant. A number written with a decimal point, an exponent or as -0 is now a named problem
// (ISO8583_ERR_FIELD_VALUE, INEXACT_NUMBER_REASON), found in the text, as a key given twice is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INEXACT_NUMBER_REASON, fromJson, inexactNumbers, isInexactNumber, readJson } from '../src/index.js';

interface Problems {
  code?: string;
  problems?: { field: string; code: string; reason: string }[];
}

/** The problems fromJson names for `text` (it must throw). */
function problemsOf(text: string): { field: string; code: string; reason: string }[] {
  try {
    fromJson(text);
  } catch (err) {
    assert.equal((err as Problems).code, 'ISO8583_ERR_INVALID_MESSAGE');
    return (err as Problems).problems ?? [];
  }
  assert.fail(`fromJson took ${text}`);
}

const BODY = '{"0":"0200","3":"000000","4":AMOUNT,"11":"001301","41":"TERM0001"}';

for (const amount of ['25.00', '2.5e1', '25e0', '1E2', '0.0', '-0', '25.5', '1e+2', '-0.0']) {
  test(`fromJson – "4": ${amount} is refused naming field 4, never read as another whole number`, () => {
    const problems = problemsOf(BODY.replace('AMOUNT', amount));
    assert.deepEqual(problems, [{ field: '4', code: 'ISO8583_ERR_FIELD_VALUE', reason: INEXACT_NUMBER_REASON }]);
  });
}

test('readJson – the same rule for JSON text (an object parsed already cannot tell 25.00 from 25)', () => {
  assert.throws(() => readJson(BODY.replace('AMOUNT', '25.00')), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  assert.deepEqual(readJson(JSON.parse(BODY.replace('AMOUNT', '25.00')) as object).message['4'], 25);
});

test('fromJson – whole digits, strings holding a point, and keys with digits are read as before', () => {
  const message = fromJson('{"0":800,"4":2500,"43":"SHOP 1.5E2 -0","48":"0.0","11":"000001","127":{"2":10}}');
  assert.deepEqual(message, { '0': '0800', '4': 2500, '43': 'SHOP 1.5E2 -0', '48': '0.0', '11': '000001', '127': { '2': 10 } });
  assert.deepEqual(fromJson('{"4":0,"11":"000002"}'), { '4': 0, '11': '000002' });
});

test('fromJson – a nested value and the MTI are named by their path; every one is named', () => {
  const problems = problemsOf('{"0":-0,"4":"1","127":{"2":1.0,"3":"x"},"28":5e2}');
  assert.deepEqual(problems.map((p) => p.field), ['0', '127.2', '28']);
  assert.ok(problems.every((p) => p.code === 'ISO8583_ERR_FIELD_VALUE' && p.reason === INEXACT_NUMBER_REASON));
});

test('inexactNumbers / isInexactNumber – the token rule', () => {
  for (const token of ['25.00', '2.5e1', '25e0', '1E2', '0.0', '-0', '-1.5', '1e-3']) assert.equal(isInexactNumber(token), true, token);
  for (const token of ['0', '25', '-1', '-10', '100']) assert.equal(isInexactNumber(token), false, token);
  assert.deepEqual(inexactNumbers('{"4":1.5,"x":[1,2.0],"y":{"z":-0},"s":"1.5"}'), [['4'], ['x'], ['y', 'z']]);
});
