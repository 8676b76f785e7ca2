/**
 * `toXml` and numbers given as field values: written as pack takes them (a whole number from 0 to 2^53 - 1, a bigint from
 * 0), refused as pack refuses them, never written with digits lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, createCodec, fromXml, toXml } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';

/** A message with numbers among its values, as a caller in JavaScript gives it (IsoMessage types strings). */
function numbers(message: Record<string, unknown>): IsoMessage {
  return message as unknown as IsoMessage;
}

function refusal(message: Record<string, unknown>): Iso8583Error {
  try {
    toXml(numbers(message));
  } catch (err) {
    assert.ok(err instanceof Iso8583Error);
    return err;
  }
  assert.fail(`toXml wrote ${JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
}

test('toXml – a number past 2^53 is refused naming its field, not written with its last digits lost', () => {
  // 19 digits: as a number, its last ones are gone before toXml sees it; written, fromXml would read them as text pack takes.
  const pan = Number('4761739001010010123');
  assert.throws(() => createCodec('iso87ascii').pack(numbers({ 0: '0200', 2: pan, 3: '000000', 11: '000001' })), /whole number from 0 to 2\^53 - 1/);
  const error = refusal({ 0: '0200', 2: pan, 4: Number('12345678901234567890') });
  assert.equal(error.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(error.problems, [
    { field: '2', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a number that is not a whole number from 0 to 2^53 - 1' },
    { field: '4', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a number that is not a whole number from 0 to 2^53 - 1' },
  ]);
  assert.doesNotMatch(`${error.message} ${JSON.stringify(error.problems)}`, /4761739|12345678/);
});

test('toXml – a negative, fractional or not finite number, a negative bigint, in a field or a sub-field, is refused', () => {
  for (const value of [-5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21, -1n]) {
    const error = refusal({ 0: '0200', 127: { 2: value } });
    assert.equal(error.problems?.[0]?.field, '127.2', String(value));
    assert.equal(error.problems?.[0]?.code, 'ISO8583_ERR_FIELD_VALUE', String(value));
  }
});

test('toXml – a whole number from 0 to 2^53 - 1 or a bigint from 0 is written and read back as its digits', () => {
  const xml = toXml(numbers({ 0: '0200', 4: 1000, 11: 0, 37: Number.MAX_SAFE_INTEGER, 48: 12345678901234567890n }));
  assert.deepEqual(fromXml(xml).message, { 0: '0200', 4: '1000', 11: '0', 37: String(Number.MAX_SAFE_INTEGER), 48: '12345678901234567890' });
});
