/**
 * Fuzz: random bytes and mutated valid images into unpack (strict and lenient) and measure, for the built-in
 * dialects, a JSON dialect with EBCDIC and binary prefixes, and a dialect with composite fields. Anything thrown must
 * be an Iso8583Error; every call returns. Runs: ISO8583_FUZZ_RUNS (default 2000 per dialect; scripts/fuzz.mjs sets
 * many more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, dialectFromJson, isIso8583Error } from '../src/index.js';
import type { Codec } from '../src/index.js';
import { COMPOSITE_DIALECT, EBCDIC_JSON_DIALECT, messageArbitrary } from './message-arbitrary.js';
import { mutate, mutationsArbitrary } from './image-mutation.js';

const codecs: [string, Codec][] = [
  ['iso87ascii', createCodec('iso87ascii')],
  ['iso87binary', createCodec('iso87binary')],
  ['JSON EBCDIC dialect', createCodec(dialectFromJson(EBCDIC_JSON_DIALECT))],
  ['composite dialect', createCodec(COMPOSITE_DIALECT)],
];

function survive(codec: Codec, bytes: Uint8Array): void {
  for (const run of [
    () => codec.unpack(bytes),
    () => codec.unpack(bytes, { lenient: true, trailing: 'allow' }),
    () => codec.measure(bytes),
  ]) {
    try {
      run();
    } catch (err) {
      if (!isIso8583Error(err)) throw err;
      assert.equal(typeof err.code, 'string');
    }
  }
}

for (const [name, codec] of codecs) {
  test(`fuzz – ${name}: random bytes give only coded errors`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => survive(codec, bytes)),
      propertyRuns(2000),
    );
  });

  test(`fuzz – ${name}: mutated valid images give only coded errors`, () => {
    fc.assert(
      fc.property(messageArbitrary(codec.dialect), mutationsArbitrary(4), (message, mutations) => {
        const image = codec.pack(message);
        survive(codec, image);
        survive(codec, mutate(image, mutations));
      }),
      propertyRuns(2000),
    );
  });
}

test('fuzz – pack and validate of random inputs give only coded errors', () => {
  const codec = createCodec('iso87ascii');
  const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }));
  fc.assert(
    fc.property(fc.dictionary(fc.oneof(fc.nat({ max: 200 }).map(String), fc.string()), value), (input) => {
      try {
        codec.pack(input as never);
      } catch (err) {
        if (!isIso8583Error(err)) throw err;
      }
      assert.ok(Array.isArray(codec.validate(input as never)));
    }),
    propertyRuns(500, 4),
  );
});
