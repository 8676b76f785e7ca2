// toJson writes a number field value as pack would take it, and names one pack refuses (as toXml does): String() of a
// number past 2^53 lost its last digits, and fromJson then refused what toJson wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromJson, toJson } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';

/** A message with numbers among its values, as a caller in JavaScript gives it (IsoMessage types strings). */
function numbers(message: Record<string, unknown>): IsoMessage {
  return message as unknown as IsoMessage;
}

test('toJson – a number past 2^53, a fraction, a negative number or NaN is a named problem, not lost digits', () => {
  for (const bad of [Number('12345678901234567890'), 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => toJson(numbers({ '0': '0200', '4': bad })),
      (err: { code?: string; problems?: { field: string; code: string }[] }) =>
        err.code === 'ISO8583_ERR_INVALID_MESSAGE' && err.problems?.some((p) => p.field === '4' && p.code === 'ISO8583_ERR_FIELD_VALUE') === true,
      String(bad),
    );
  }
  assert.throws(() => toJson(numbers({ '0': '0200', '4': -5n })), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
});

test('toJson – numbers pack takes are written as their digits and read back by fromJson', () => {
  const json = toJson(numbers({ '0': '0200', '4': 1000, '11': 123456n, '7': '1130120000' }));
  assert.deepEqual(JSON.parse(json), { '0': '0200', '4': '1000', '7': '1130120000', '11': '123456' });
  assert.deepEqual(fromJson(json), { '0': '0200', '4': '1000', '7': '1130120000', '11': '123456' });
});
