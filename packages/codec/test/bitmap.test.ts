/**
 * Bitmaps: primary, secondary (bit 1) and tertiary (bit 65 when the dialect says so); binary, ASCII hex and EBCDIC
 * hex; sub-field bitmaps of composite fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import type { BitmapSpec, Dialect, FieldSpec } from '../src/index.js';

/** A dialect where every field 2..max is one ASCII digit, so that an image is MTI, bitmaps and one byte per field. */
function digitsDialect(bitmap: BitmapSpec, max = 128): Dialect {
  const fields: Record<string, FieldSpec> = {};
  for (let i = 2; i <= max; i++) fields[String(i)] = { name: `F${i}`, type: 'n', length: 1, encoding: 'ascii' };
  // With a tertiary bitmap, bit 65 announces it: 65 is no data element.
  if (bitmap.tertiary === true) delete fields['65'];
  return { name: 'digits', mti: { encoding: 'ascii' }, bitmap, fields };
}

const vectors = JSON.parse(readVector('pyiso8583/moov_and_pyiso8583_small_vectors.json').toString('utf8')) as Record<
  string,
  unknown
>;

test('bitmap – the same fields give the pyiso8583 binary, ASCII hex and EBCDIC hex bitmaps', () => {
  const eq = vectors.pyiso8583_bitmap_decoding_equivalents as { fields: number[]; ascii_hex: string; ebcdic_cp500_hex_chars: string };
  const message: Record<string, string> = { '0': '0200' };
  for (const f of eq.fields) message[String(f)] = '7';
  const binary = createCodec(digitsDialect({ encoding: 'binary' })).pack(message);
  assert.equal(binary.subarray(4, 12).toString('hex').toUpperCase(), eq.ascii_hex);
  const hex = createCodec(digitsDialect({ encoding: 'hex' })).pack(message);
  assert.equal(hex.subarray(4, 20).toString('latin1'), eq.ascii_hex);
  const ebcdic = createCodec(digitsDialect({ encoding: 'ebcdic' })).pack(message);
  assert.equal(ebcdic.subarray(4, 20).toString('hex').toUpperCase(), eq.ebcdic_cp500_hex_chars);
  for (const [bitmap, image] of [['binary', binary], ['hex', hex], ['ebcdic', ebcdic]] as const) {
    assert.deepEqual(createCodec(digitsDialect({ encoding: bitmap })).unpack(image), message, bitmap);
  }
});

test('bitmap – a field above 64 adds the secondary bitmap and sets bit 1', () => {
  const codec = createCodec(digitsDialect({ encoding: 'hex' }));
  const image = codec.pack({ '0': '0800', '70': '1' });
  assert.equal(image.toString('latin1'), '0800' + '8000000000000000' + '0400000000000000' + '1');
  assert.deepEqual(codec.unpack(image), { '0': '0800', '70': '1' });
  assert.equal(codec.pack({ '0': '0800', '64': '1' }).length, 4 + 16 + 1);
});

test('bitmap – tertiary bitmap: bit 65 announces fields 129-192 (moov vector)', () => {
  const v = vectors.moov_tertiary_bitmap as { ascii: string; fields: Record<string, string> };
  const dialect = digitsDialect({ encoding: 'hex', tertiary: true }, 192);
  const codec = createCodec(dialect);
  const image = Buffer.from(v.ascii, 'latin1');
  assert.deepEqual(codec.unpack(image), v.fields);
  assert.deepEqual(codec.pack(v.fields), image);
  // With a tertiary bitmap, 65 is the indicator, not a field.
  assert.equal(codec.validate({ '0': '0100', '65': '1' })[0]?.code, 'ISO8583_ERR_FIELD_ID');
});

test('bitmap – without a tertiary bitmap, field 65 is an ordinary data element', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': '0800', '65': 'AB', '70': '301' });
  assert.deepEqual(codec.unpack(image), { '0': '0800', '65': 'AB', '70': '301' });
  assert.equal(image.toString('latin1', 20, 36), '8400000000000000');
});

test('bitmap – lower-case hex is accepted; a non-hex character is a bitmap error', () => {
  const codec = createCodec(digitsDialect({ encoding: 'hex' }));
  assert.deepEqual(codec.unpack(Buffer.from('02004000000000000000' + '5', 'latin1')), { '0': '0200', '2': '5' });
  assert.deepEqual(codec.unpack(Buffer.from('0200c000000000000000' + '0000000000000000' + '5', 'latin1')), {
    '0': '0200',
    '2': '5',
  });
  assert.throws(() => codec.unpack(Buffer.from('0200400000000000000G5', 'latin1')), {
    code: 'ISO8583_ERR_BITMAP',
    field: '1',
    offset: 4,
  });
});

test('bitmap – a bit set for a field the dialect does not define is refused', () => {
  const codec = createCodec(digitsDialect({ encoding: 'hex' }, 10));
  assert.throws(() => codec.unpack(Buffer.from('02000020000000000000' + '1', 'latin1')), {
    code: 'ISO8583_ERR_BITMAP',
    field: '11',
  });
});

test('bitmap – a truncated bitmap is ISO8583_ERR_TRUNCATED', () => {
  const codec = createCodec('iso87binary');
  assert.throws(() => codec.unpack(Buffer.from('0200F23C', 'hex')), { code: 'ISO8583_ERR_TRUNCATED', offset: 2 });
});

test('bitmap – composite sub-field bitmap of a given length: bit N marks sub-field N', () => {
  const dialect: Dialect = {
    name: 'composite',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '48': {
        name: 'ADDITIONAL DATA',
        type: 'b',
        length: 999,
        encoding: 'binary',
        prefix: { encoding: 'ascii', digits: 3 },
        subfields: {
          bitmap: { encoding: 'binary', length: 1 },
          fields: {
            '1': { name: 'SUB 1', type: 'n', length: 2, encoding: 'ascii' },
            '3': { name: 'SUB 3', type: 'ans', length: 10, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
            '8': { name: 'SUB 8', type: 'b', length: 2, encoding: 'binary' },
          },
        },
      },
    },
  };
  const codec = createCodec(dialect);
  const message = { '0': '0100', '48': { '1': '07', '3': 'ABC', '8': 'BEEF' } };
  const image = codec.pack(message);
  // 48: LLL "010", bitmap 10100001, "07", "03ABC", BE EF
  assert.equal(image.subarray(20).toString('hex').toUpperCase(), Buffer.from('010', 'latin1').toString('hex').toUpperCase() + 'A1' + '3037' + '3033414243' + 'BEEF');
  assert.deepEqual(codec.unpack(image), message);
});
