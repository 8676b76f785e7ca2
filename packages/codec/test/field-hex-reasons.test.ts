/**
 * A field shown as hex (a binary field: 52, the PIN block; 55) that is not hex: a character that is no hex digit and
 * an odd number of digits are told apart (both were "not an even number of hex digits"), the value never shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '@iso8583/codec';

const codec = createCodec('iso87ascii');

test('field 52 with a character that is not a hex digit names it by position; an odd count says so', () => {
  const reasons = (value: string): string[] => codec.validate({ '0': '0200', '52': value }).map((p) => `${p.field}: ${p.reason}`);
  assert.deepEqual(reasons('1234567890ABCDEG'), ['52: a character that is not a hex digit (character 16)']);
  assert.deepEqual(reasons('1234567890ABCDE'), ['52: an odd number of hex digits (two make a byte)']);
  assert.deepEqual(reasons('1234567890ABCDEF'), []);
});
