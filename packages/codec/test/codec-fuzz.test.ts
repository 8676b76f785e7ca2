/**
 * Fuzz: random bytes and mutated valid images into unpack (strict and lenient) and measure, for the built-in
 * dialects, a JSON dialect with EBCDIC and binary prefixes, and a dialect with composite fields. Anything thrown must
 * be an Iso8583Error; every call returns. Runs: ISO8583_FUZZ_RUNS (default 2000 per dialect; scripts/fuzz.mjs sets
 * many more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCodec, dialectFromJson, isIso8583Error } from '../src/index.js';
import type { Codec, Dialect } from '../src/index.js';
import { EBCDIC_JSON_DIALECT, messageArbitrary } from './message-arbitrary.js';

const RUNS = Number(process.env.ISO8583_FUZZ_RUNS ?? 2000);

const COMPOSITE: Dialect = {
  name: 'fuzz-composite',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex', tertiary: true },
  fields: {
    '2': { name: 'PAN', type: 'n', length: 19, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
    '3': {
      name: 'PROCESSING CODE',
      type: 'n',
      length: 6,
      encoding: 'ascii',
      subfields: {
        fields: {
          '1': { name: 'TYPE', type: 'n', length: 2, encoding: 'ascii' },
          '2': { name: 'FROM', type: 'n', length: 2, encoding: 'ascii' },
          '3': { name: 'TO', type: 'n', length: 2, encoding: 'ascii' },
        },
      },
    },
    '127': {
      name: 'PRIVATE',
      type: 'b',
      length: 9999,
      encoding: 'binary',
      prefix: { encoding: 'binary', digits: 2 },
      subfields: {
        headerLength: 1,
        bitmap: { encoding: 'binary', length: 2 },
        fields: {
          '1': { name: 'A', type: 'ans', length: 20, encoding: 'ebcdic', prefix: { encoding: 'bcd', digits: 2 } },
          '9': { name: 'B', type: 'n', length: 7, encoding: 'bcd', justify: 'left', padNibble: 'F' },
          '16': { name: 'C', type: 'b', length: 4, encoding: 'hex', prefix: { encoding: 'ascii', digits: 1 } },
        },
      },
    },
    '150': { name: 'F150', type: 'an', length: 3, encoding: 'ascii' },
  },
};

const codecs: [string, Codec][] = [
  ['iso87ascii', createCodec('iso87ascii')],
  ['iso87binary', createCodec('iso87binary')],
  ['JSON EBCDIC dialect', createCodec(dialectFromJson(EBCDIC_JSON_DIALECT))],
  ['composite dialect', createCodec(COMPOSITE)],
];

/** Seeds of valid images for the composite dialect (its arbitrary skips composite fields). */
const COMPOSITE_SEEDS = [
  { '0': '0200', '2': '4111111111111111', '3': { '1': '00', '2': '10', '3': '20' }, '127': { header: '01', '1': 'ABC', '9': '1234567', '16': 'CAFE' }, '150': 'X1 ' },
  { '0': '0800', '127': { header: '00' } },
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

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), value: fc.constant(0) }),
);

function mutate(image: Buffer, mutations: { kind: 'flip' | 'cut' | 'insert' | 'drop'; at: number; value: number }[]): Buffer {
  let out = Buffer.from(image);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = m.value;
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([m.value]), out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
  }
  return out;
}

for (const [name, codec] of codecs) {
  test(`fuzz – ${name}: random bytes give only coded errors`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => survive(codec, bytes)),
      { numRuns: RUNS },
    );
  });

  test(`fuzz – ${name}: mutated valid images give only coded errors`, () => {
    const seeds = name === 'composite dialect' ? fc.constantFrom(...COMPOSITE_SEEDS) : messageArbitrary(codec.dialect);
    fc.assert(
      fc.property(seeds, fc.array(mutation, { minLength: 1, maxLength: 4 }), (message, mutations) => {
        const image = codec.pack(message);
        survive(codec, image);
        survive(codec, mutate(image, mutations));
      }),
      { numRuns: RUNS },
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
    { numRuns: Math.max(100, RUNS / 4) },
  );
});
