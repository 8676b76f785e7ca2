/**
 * Length prefixes (LLVAR and the like): 1-6 digits in ASCII, EBCDIC or BCD, or 1-4 bytes binary, counting units,
 * bytes or nibbles. Includes pyiso8583's nibble and odd-length cases from the shared vectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import type { FieldSpec } from '../src/index.js';
import { HEAD, fieldHex, oneFieldCodec, readFieldHex } from './field-support.js';

interface Row {
  title: string;
  spec: Partial<FieldSpec>;
  value: string;
  wire: string;
}

const rows: Row[] = [
  { title: 'ascii LL', spec: { prefix: { encoding: 'ascii', digits: 2 } }, value: 'ABC', wire: '3033414243' },
  { title: 'ascii LLL', spec: { prefix: { encoding: 'ascii', digits: 3 } }, value: 'ABC', wire: '303033414243' },
  { title: 'ascii L (1 digit)', spec: { length: 9, prefix: { encoding: 'ascii', digits: 1 } }, value: 'AB', wire: '324142' },
  { title: 'ascii LLLLLL (6 digits)', spec: { prefix: { encoding: 'ascii', digits: 6 } }, value: 'A', wire: '30303030303141' },
  { title: 'ebcdic LL', spec: { prefix: { encoding: 'ebcdic', digits: 2 } }, value: 'AB', wire: 'F0F24142' },
  { title: 'bcd LL (1 byte)', spec: { prefix: { encoding: 'bcd', digits: 2 } }, value: 'ABCDEFGHIJKL', wire: '12' + Buffer.from('ABCDEFGHIJKL').toString('hex').toUpperCase() },
  { title: 'bcd LLL (2 bytes, 0 nibble first)', spec: { prefix: { encoding: 'bcd', digits: 3 } }, value: 'AB', wire: '00024142' },
  { title: 'bcd LLLLLL (3 bytes)', spec: { prefix: { encoding: 'bcd', digits: 6 } }, value: 'AB', wire: '0000024142' },
  { title: 'binary 1 byte', spec: { prefix: { encoding: 'binary', digits: 1 } }, value: 'AB', wire: '024142' },
  { title: 'binary 2 bytes', spec: { prefix: { encoding: 'binary', digits: 2 } }, value: 'AB', wire: '00024142' },
  { title: 'binary 4 bytes', spec: { prefix: { encoding: 'binary', digits: 4 } }, value: 'AB', wire: '000000024142' },
  { title: 'bcd value counted in digits', spec: { type: 'n', encoding: 'bcd', prefix: { encoding: 'ascii', digits: 2 } }, value: '12345', wire: '3035012345' },
  { title: 'bcd value counted in bytes', spec: { type: 'n', encoding: 'bcd', prefix: { encoding: 'ascii', digits: 2, counts: 'bytes' } }, value: '123456', wire: '3033123456' },
  { title: 'hex characters counted in bytes of data', spec: { type: 'b', encoding: 'hex', prefix: { encoding: 'ascii', digits: 2 } }, value: 'ABCD', wire: '303241424344' },
  // 49 bytes of data are 98 hex characters: the most that two digits counting wire bytes can carry.
  { title: 'hex characters counted in wire bytes', spec: { type: 'b', length: 49, encoding: 'hex', prefix: { encoding: 'ascii', digits: 2, counts: 'bytes' } }, value: 'ABCD', wire: '303441424344' },
  { title: 'binary counted in nibbles', spec: { type: 'b', encoding: 'binary', prefix: { encoding: 'binary', digits: 1, counts: 'nibbles' } }, value: 'ABCD', wire: '04ABCD' },
];

for (const row of rows) {
  test(`prefix – ${row.title}`, () => {
    const codec = oneFieldCodec({ type: 'ans', length: 99, encoding: 'ascii', ...row.spec });
    assert.equal(fieldHex(codec, row.value), row.wire);
    assert.equal(readFieldHex(codec, row.wire), row.value);
  });
}

/** The hex part of a pyiso8583 `wire_after_bitmap` description such as `3034 31323334 ("04"+"1234")`. */
function wireOf(description: string): string {
  return description.replace(/\(.*$/, '').replace(/\s+/g, '');
}

const vectors = JSON.parse(readVector('pyiso8583/moov_and_pyiso8583_small_vectors.json').toString('utf8')) as Record<
  string,
  unknown
>;

test('prefix – pyiso8583 nibble cases for F2 = 1234 (max 8)', () => {
  const cases = vectors.pyiso8583_nibbles_F2_value_1234_max8 as {
    data_enc: string;
    len_enc: string;
    len_type: number;
    len_count: string;
    wire_after_bitmap: string;
  }[];
  assert.equal(cases.length, 6);
  for (const c of cases) {
    const binary = c.data_enc === 'b';
    const spec: Partial<FieldSpec> = {
      type: binary ? 'b' : 'ans',
      encoding: binary ? 'binary' : 'ascii',
      length: 8,
      // pyiso8583's len_type is the prefix size in bytes: 2 BCD bytes hold 4 digits.
      prefix: {
        encoding: c.len_enc === 'bcd' ? 'bcd' : 'ascii',
        digits: c.len_enc === 'bcd' ? 2 * c.len_type : c.len_type,
        counts: c.len_count === 'nibbles' ? 'nibbles' : 'bytes',
      },
    };
    const codec = oneFieldCodec(spec);
    const wire = wireOf(c.wire_after_bitmap);
    assert.equal(fieldHex(codec, '1234'), wire, JSON.stringify(c));
    assert.equal(readFieldHex(codec, wire), '1234', JSON.stringify(c));
  }
});

test('prefix – pyiso8583 odd nibble cases for F2 = 123', () => {
  const cases = vectors.pyiso8583_odd_nibbles_F2_value_123 as { pad: string; wire_after_bitmap: string }[];
  const specs: Record<string, Partial<FieldSpec>> = {
    'left 0, ascii LL': { prefix: { encoding: 'ascii', digits: 2 } },
    'left F, bcd LL(2 bytes)': { padNibble: 'F', prefix: { encoding: 'bcd', digits: 4 } },
    'right 0, ascii LL': { justify: 'left', prefix: { encoding: 'ascii', digits: 2 } },
    'right F, fixed 3 nibbles': { justify: 'left', padNibble: 'F', length: 3 },
  };
  assert.equal(cases.length, Object.keys(specs).length);
  for (const c of cases) {
    const spec = specs[c.pad];
    assert.ok(spec !== undefined, c.pad);
    const codec = oneFieldCodec({ type: 'n', encoding: 'bcd', length: 8, ...spec });
    const wire = wireOf(c.wire_after_bitmap);
    assert.equal(fieldHex(codec, '123'), wire, c.pad);
    assert.equal(readFieldHex(codec, wire), '123', c.pad);
  }
});

test('prefix – pyiso8583 howto: BCD PAN with a 1-byte length in nibbles, BCD or binary', () => {
  const howto = vectors.pyiso8583_howto as { hex?: string; fields: Record<string, string> }[];
  const last = howto[howto.length - 1]!;
  const image = Buffer.from(last.hex!, 'hex');
  const codec = oneFieldCodec({
    type: 'n',
    encoding: 'bcd',
    justify: 'left',
    length: 19,
    prefix: { encoding: 'bcd', digits: 2, counts: 'nibbles' },
  });
  assert.deepEqual(codec.unpack(image), { '0': last.fields.t, '2': last.fields['2'] });
  assert.deepEqual(codec.pack({ '0': '0200', '2': last.fields['2']! }), image);
  const binary = oneFieldCodec({ type: 'n', encoding: 'bcd', justify: 'left', length: 19, prefix: { encoding: 'binary', digits: 1 } });
  assert.equal(fieldHex(binary, last.fields['2']!).slice(0, 2), '0F');
});

test('prefix – a declared length over the maximum is refused with field and offset', () => {
  const codec = oneFieldCodec({ length: 5, prefix: { encoding: 'ascii', digits: 2 } });
  assert.throws(() => readFieldHex(codec, '3036414243444546'), {
    code: 'ISO8583_ERR_LENGTH_OVER_MAX',
    field: '2',
    offset: HEAD,
  });
});

test('prefix – a prefix that is not a number is refused', () => {
  const ascii = oneFieldCodec({ prefix: { encoding: 'ascii', digits: 2 } });
  assert.throws(() => readFieldHex(ascii, '3A3241'), { code: 'ISO8583_ERR_LENGTH_PREFIX', field: '2' });
  const bcd = oneFieldCodec({ prefix: { encoding: 'bcd', digits: 2 } });
  assert.throws(() => readFieldHex(bcd, '1A41'), { code: 'ISO8583_ERR_LENGTH_PREFIX', field: '2' });
});

test('prefix – a maximum its prefix cannot carry is refused at load; a value over the maximum on pack', () => {
  assert.throws(() => oneFieldCodec({ length: 20, prefix: { encoding: 'ascii', digits: 1 } }), (err: { code: string; problems: { field: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
    assert.deepEqual(err.problems.map((p) => p.field), ['fields.2.length']);
    return true;
  });
  const codec = oneFieldCodec({ length: 9, prefix: { encoding: 'ascii', digits: 1 } });
  assert.throws(() => fieldHex(codec, 'ABCDEFGHIJ'), (err: { code: string; problems: { field: string; code: string }[] }) => {
    assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(
      err.problems.map((p) => [p.field, p.code]),
      [['2', 'ISO8583_ERR_FIELD_TOO_LONG']],
    );
    return true;
  });
});

test('prefix – a BCD value counted in bytes drops an F pad nibble', () => {
  const codec = oneFieldCodec({
    type: 'n',
    encoding: 'bcd',
    padNibble: 'F',
    prefix: { encoding: 'binary', digits: 1, counts: 'bytes' },
  });
  assert.equal(fieldHex(codec, '123'), '02F123');
  assert.equal(readFieldHex(codec, '02F123'), '123');
});
