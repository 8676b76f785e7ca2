/**
 * Hex that spells no valid UTF-8: 4 bytes `F4 90..BF 80..BF 80..BF` decode to a number above U+10FFFF, which is no
 * code point. A binary field (a MAC, a key check value, a 255-byte blob) shown as hex holds such bytes by chance; the
 * masks read it as bytes that spell nothing, never throw, and show it as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import {
  createCodec,
  describe,
  hexPanRuns,
  maskFreeText,
  maskHeader,
  maskKey,
  maskMessage,
  summarize,
} from '../src/index.js';
import { INVISIBLE, foldedValue } from '../src/unicode-digits.js';

/** 4 bytes past U+10FFFF, twice: the shortest hex the masks read as UTF-8 and used to throw on. */
const BEYOND = 'F4908080F4908080';

test('maskFreeText – hex of bytes past U+10FFFF (F4 90 80 80) is shown as it is, no RangeError', () => {
  for (const text of [BEYOND, 'F4BFBFBFF4BFBFBF', 'F4908080414A4B4C', '414A4B4CF4908080', 'F4 90 80 80 F4 90 80 80', 'f4908080f4908080']) {
    assert.equal(maskFreeText(text), text, text);
  }
  assert.equal(maskFreeText('\\xF4\\x90\\x80\\x80\\xF4\\x90\\x80\\x80'), '\\xF4\\x90\\x80\\x80\\xF4\\x90\\x80\\x80');
});

test('describe, maskMessage, summarize, maskKey, hexPanRuns, maskHeader – such hex in a field, a key or a header', () => {
  const codec = createCodec('iso87ascii');
  const message = codec.unpack(codec.pack({ '0': '0200', '3': '000000', '11': '000001', '48': `DATA=${BEYOND}` }));
  assert.match(describe(message), /DATA=F4908080F4908080/);
  assert.equal(maskMessage(message)['48'], `DATA=${BEYOND}`);
  assert.equal(summarize({ '0': '0200', '41': BEYOND }).terminal, BEYOND);
  assert.equal(maskKey(BEYOND), BEYOND);
  assert.deepEqual(hexPanRuns(BEYOND), []);
  assert.equal(maskHeader(BEYOND), BEYOND);
  const binary = createCodec('iso87binary');
  const mac = binary.unpack(binary.pack({ '0': '0200', '3': '000000', '11': '000001', '64': BEYOND }));
  assert.match(describe(mac, 'iso87binary'), /^64 .*: /m);
});

test('foldedValue – a number past U+10FFFF is no digit and no invisible character, not a RangeError', () => {
  for (const code of [0x110000, 0x13ffff]) {
    const value = foldedValue(code);
    assert.ok(value >= 10 && value !== INVISIBLE, `${code.toString(16)}: ${value}`);
  }
});

test('property – random binary values as hex through maskFreeText and describe never throw', () => {
  const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 });
  // A quarter of the values hold bytes past U+10FFFF, so that the rare shape is met on every run.
  const beyond = fc.tuple(bytes, fc.integer({ min: 0x90, max: 0xbf }), fc.uint8Array({ minLength: 2, maxLength: 2 }), bytes).map(
    ([head, second, rest, tail]) => Uint8Array.from([...head, 0xf4, second, 0x80 | (rest[0]! & 0x3f), 0x80 | (rest[1]! & 0x3f), ...tail]),
  );
  fc.assert(
    fc.property(fc.oneof({ arbitrary: bytes, weight: 3 }, { arbitrary: beyond, weight: 1 }), fc.boolean(), (value, lower) => {
      let hex = Buffer.from(value).toString('hex');
      if (!lower) hex = hex.toUpperCase();
      assert.equal(typeof maskFreeText(hex), 'string');
      assert.equal(typeof describe({ '0': '0200', '48': hex, '62': hex }), 'string');
    }),
    propertyRuns(300),
  );
});
