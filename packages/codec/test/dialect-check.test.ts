/**
 * The semantic rules of a dialect that keep pack and unpack inverse to each other: a bitmap cannot mark what it has
 * no bit for (field 0) or what its indicator bits mean (bit 1, bit 65 with a tertiary bitmap), and a maximum length
 * must fit the length prefix. Checked for every dialect at `createCodec`, and for JSON dialects at `dialectFromJson`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { BUILTIN_DIALECTS, createCodec, dialectFromJson, isIso8583Error } from '../src/index.js';
import type { BitmapSpec, CompositeSpec, Dialect, FieldSpec, LengthPrefix } from '../src/index.js';

const n2: FieldSpec = { name: 'S', type: 'n', length: 2, encoding: 'ascii' };

function dialectWith(fields: Record<string, FieldSpec>, bitmap: BitmapSpec = { encoding: 'hex' }): Dialect {
  return { name: 'check', mti: { encoding: 'ascii' }, bitmap, fields };
}

/** Field 48 as a composite with the given sub-field layout. */
function compositeDialect(subfields: CompositeSpec): Dialect {
  return dialectWith({
    '48': { name: 'X', type: 'b', length: 999, encoding: 'binary', prefix: { encoding: 'ascii', digits: 3 }, subfields },
  });
}

/** The paths that `createCodec` and `dialectFromJson` refuse (the same for both), or [] when both accept. */
function refusedPaths(dialect: Dialect): string[] {
  const outcomes = [() => createCodec(structuredClone(dialect)), () => dialectFromJson(structuredClone(dialect) as never)].map((make) => {
    try {
      make();
      return [];
    } catch (err) {
      assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID', String(err));
      return (err.problems ?? []).map((p) => p.field).sort();
    }
  });
  assert.deepEqual(outcomes[1], outcomes[0], 'createCodec and dialectFromJson agree');
  return outcomes[0]!;
}

test('dialect check – a sub-field bitmap has no bit for sub-field 0; under the message rules bit 1 (and 65) announce bitmaps', () => {
  const cases: { subfields: CompositeSpec; refused: string[] }[] = [
    { subfields: { bitmap: { encoding: 'binary', length: 2 }, fields: { '0': n2, '3': n2 } }, refused: ['fields.48.subfields.fields.0'] },
    { subfields: { bitmap: { encoding: 'binary' }, fields: { '0': n2, '3': n2 } }, refused: ['fields.48.subfields.fields.0'] },
    { subfields: { bitmap: { encoding: 'binary' }, fields: { '1': n2, '3': n2 } }, refused: ['fields.48.subfields.fields.1'] },
    {
      subfields: { bitmap: { encoding: 'hex', tertiary: true }, fields: { '1': n2, '65': n2, '130': n2 } },
      refused: ['fields.48.subfields.fields.1', 'fields.48.subfields.fields.65'],
    },
    // A bitmap of its own size has no indicator bits: bit 1 is sub-field 1.
    { subfields: { bitmap: { encoding: 'binary', length: 2 }, fields: { '1': n2, '16': n2 } }, refused: [] },
    // Without tertiary, bit 65 is a sub-field like any other.
    { subfields: { bitmap: { encoding: 'binary' }, fields: { '65': n2 } }, refused: [] },
    // Positional: every sub-field follows in order, 0 and 1 included.
    { subfields: { fields: { '0': n2, '1': n2 } }, refused: [] },
  ];
  for (const { subfields, refused } of cases) {
    assert.deepEqual(refusedPaths(compositeDialect(subfields)), refused, JSON.stringify(subfields));
  }
});

test('dialect check – every composite layout accepted packs what it reads back (sub-fields around the indicator bits)', () => {
  const layouts: CompositeSpec[] = [
    { bitmap: { encoding: 'binary', length: 2 }, fields: { '1': n2, '3': n2, '16': n2 } },
    { bitmap: { encoding: 'binary' }, fields: { '2': n2, '64': n2, '65': n2, '128': n2 } },
    { bitmap: { encoding: 'hex', tertiary: true }, fields: { '2': n2, '64': n2, '66': n2, '130': n2, '192': n2 } },
  ];
  for (const subfields of layouts) {
    const codec = createCodec(compositeDialect(subfields));
    const keys = Object.keys(subfields.fields);
    fc.assert(
      fc.property(fc.subarray(keys, { minLength: 1 }), fc.array(fc.integer({ min: 10, max: 99 }), { minLength: keys.length, maxLength: keys.length }), (present, values) => {
        const inner: Record<string, string> = {};
        present.forEach((key, i) => (inner[key] = String(values[i])));
        const message = { '0': '0200', '48': inner };
        assert.deepEqual(codec.unpack(codec.pack(message)), message);
      }),
      propertyRuns(60, 50),
    );
  }
});

test('dialect check – field 65 with a tertiary bitmap is refused (it is the indicator), not dropped', () => {
  const f65: FieldSpec = { name: 'F65', type: 'b', length: 8, encoding: 'binary' };
  const f130: FieldSpec = { name: 'F130', type: 'n', length: 3, encoding: 'ascii' };
  assert.deepEqual(refusedPaths(dialectWith({ '65': f65, '130': f130 }, { encoding: 'hex', tertiary: true })), ['fields.65']);
  assert.deepEqual(refusedPaths(dialectWith({ '65': f65, '130': f130 }, { encoding: 'hex' })), ['fields.130']);
  assert.deepEqual(refusedPaths(dialectWith({ '65': f65 }, { encoding: 'hex' })), []);
  const codec = createCodec(dialectWith({ '130': f130 }, { encoding: 'hex', tertiary: true }));
  assert.deepEqual(codec.unpack(codec.pack({ '0': '0200', '130': '123' })), { '0': '0200', '130': '123' });
});

test('dialect check – a maximum length over what the length prefix carries is refused, counted as the prefix counts', () => {
  const variable = (type: FieldSpec['type'], encoding: FieldSpec['encoding'], length: number, prefix: LengthPrefix): FieldSpec => ({
    name: 'X', type, length, encoding, prefix,
  });
  const cases: [FieldSpec, boolean][] = [
    [variable('ans', 'ascii', 99, { encoding: 'ascii', digits: 2 }), true],
    [variable('ans', 'ascii', 150, { encoding: 'ascii', digits: 2 }), false], // jPOS IFA_LLCHAR length="150"
    [variable('ans', 'ascii', 999, { encoding: 'bcd', digits: 3 }), true],
    [variable('ans', 'ascii', 1000, { encoding: 'bcd', digits: 3 }), false], // IFB_LLLCHAR length="1000"
    [variable('n', 'bcd', 255, { encoding: 'binary', digits: 1 }), true],
    [variable('n', 'bcd', 300, { encoding: 'binary', digits: 1 }), false], // IFB_LLHNUM length="300"
    [variable('b', 'binary', 65535, { encoding: 'binary', digits: 2 }), true],
    [variable('b', 'binary', 65536, { encoding: 'binary', digits: 2 }), false],
    // Counted in bytes: 198 BCD digits are 99 bytes; 199 digits are 100.
    [variable('n', 'bcd', 198, { encoding: 'bcd', digits: 2, counts: 'bytes' }), true],
    [variable('n', 'bcd', 199, { encoding: 'bcd', digits: 2, counts: 'bytes' }), false],
    // Counted in nibbles: 49 bytes are 98 nibbles; 50 bytes are 100.
    [variable('b', 'binary', 49, { encoding: 'bcd', digits: 2, counts: 'nibbles' }), true],
    [variable('b', 'binary', 50, { encoding: 'bcd', digits: 2, counts: 'nibbles' }), false],
    // Hex characters counted in bytes: 49 bytes of data are 98 characters.
    [variable('b', 'hex', 49, { encoding: 'ascii', digits: 2, counts: 'bytes' }), true],
    [variable('b', 'hex', 50, { encoding: 'ascii', digits: 2, counts: 'bytes' }), false],
  ];
  for (const [spec, accepted] of cases) {
    assert.deepEqual(refusedPaths(dialectWith({ '48': spec })), accepted ? [] : ['fields.48.length'], JSON.stringify(spec));
  }
  for (const name of BUILTIN_DIALECTS) assert.equal(createCodec(name).dialect.name, name);
});

test('dialect check – a variable field accepted at load packs a value of its maximum length (property)', () => {
  const prefix = fc.record({
    encoding: fc.constantFrom('ascii', 'ebcdic', 'bcd', 'binary'),
    digits: fc.integer({ min: 1, max: 3 }),
    counts: fc.constantFrom('units', 'bytes', 'nibbles'),
  }) as fc.Arbitrary<LengthPrefix>;
  const kind = fc.constantFrom(
    { type: 'ans', encoding: 'ascii', unit: 'x' },
    { type: 'n', encoding: 'bcd', unit: '1', justify: 'left', padNibble: 'F' },
    { type: 'n', encoding: 'bcd', unit: '2', justify: 'right', padNibble: 'F' },
    { type: 'b', encoding: 'binary', unit: 'AB' },
    { type: 'b', encoding: 'hex', unit: 'CD' },
  ) as fc.Arbitrary<Pick<FieldSpec, 'type' | 'encoding' | 'justify' | 'padNibble'> & { unit: string }>;
  fc.assert(
    fc.property(prefix, kind, fc.integer({ min: 1, max: 1100 }), (p, { unit, ...k }, length) => {
      const dialect = dialectWith({ '48': { name: 'X', ...k, length, prefix: p } });
      let codec;
      try {
        codec = createCodec(dialect);
      } catch (err) {
        assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID');
        assert.deepEqual(err.problems?.map((x) => x.field), ['fields.48.length']);
        return;
      }
      const message = { '0': '0200', '48': unit.repeat(length) };
      assert.deepEqual(codec.unpack(codec.pack(message)), message);
    }),
    propertyRuns(300, 50),
  );
});
