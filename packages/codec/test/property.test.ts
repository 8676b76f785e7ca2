/**
 * Property: any valid message survives pack then unpack unchanged, for iso87ascii, iso87binary and a JSON dialect
 * with EBCDIC text, F-padded left-justified BCD and binary length prefixes, and a dialect with composite fields;
 * and measure() agrees with the length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, dialectFromJson } from '../src/index.js';
import type { Codec } from '../src/index.js';
import { COMPOSITE_DIALECT, EBCDIC_JSON_DIALECT, messageArbitrary } from './message-arbitrary.js';

const codecs: [string, Codec][] = [
  ['iso87ascii', createCodec('iso87ascii')],
  ['iso87binary', createCodec('iso87binary')],
  ['JSON dialect (EBCDIC, F-padded BCD, binary prefixes)', createCodec(dialectFromJson(EBCDIC_JSON_DIALECT))],
  ['composite fields and a tertiary bitmap', createCodec(COMPOSITE_DIALECT)],
];

for (const [name, codec] of codecs) {
  test(`property – ${name}: pack then unpack gives the message back`, () => {
    fc.assert(
      fc.property(messageArbitrary(codec.dialect), (message) => {
        assert.deepEqual(codec.validate(message), []);
        const image = codec.pack(message);
        assert.deepEqual(codec.unpack(image), message);
        assert.equal(codec.measure(image), image.length);
        // The same image packs again byte for byte.
        assert.deepEqual(codec.pack(codec.unpack(image)), image);
      }),
      propertyRuns(150, 10),
    );
  });
}
