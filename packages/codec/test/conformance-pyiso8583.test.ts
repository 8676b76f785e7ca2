/**
 * Conformance with pyiso8583 and moov-io's small test cases: each vector's dialect, described in words in the vector
 * file, is written here as a JSON dialect document; the image decodes to the listed fields and packs again byte for
 * byte. Where moov or pyiso8583 show a value differently from the wire (moov strips the padding of numbers), the test
 * says so next to the assertion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromJson } from '../src/index.js';
import type { Codec, IsoMessage, MessageInput } from '../src/index.js';
import { fromPyiso8583, vectorText } from './conformance-support.js';

interface SmallVectors {
  moov_ascii_simple: { ascii: string; fields: Record<string, string> };
  moov_tertiary_bitmap: { ascii: string; fields: Record<string, string> };
  moov_binary_mixed: { hex: string; fields: Record<string, unknown> };
  pyiso8583_readme: { ascii_in: string; decoded: Record<string, string>; response_out_ascii: string; response_fields: Record<string, string> };
  pyiso8583_howto: { ascii?: string; hex?: string; fields: Record<string, string> }[];
  pyiso8583_nibbles_F2_value_1234_max8: { data_enc: string; len_enc: string; len_type: number; len_count: string; wire_after_bitmap: string }[];
  pyiso8583_odd_nibbles_F2_value_123: { pad: string; wire_after_bitmap: string }[];
  pyiso8583_bitmap_decoding_equivalents: { fields: number[]; ascii_hex: string; ebcdic_cp500_hex_chars: string; binary: string };
}

const V = JSON.parse(vectorText('pyiso8583/moov_and_pyiso8583_small_vectors.json')) as SmallVectors;

type Json = Record<string, unknown>;

const ASCII = { mti: { encoding: 'ascii' } };
const n = (length: number, extra: Json = {}): Json => ({ name: 'N', type: 'n', length, encoding: 'ascii', ...extra });
const ans = (length: number, extra: Json = {}): Json => ({ name: 'ANS', type: 'ans', length, encoding: 'ascii', ...extra });
const LL = { prefix: { encoding: 'ascii', digits: 2 } };
const LLL = { prefix: { encoding: 'ascii', digits: 3 } };

function codecOf(doc: Json): Codec {
  return createCodec(dialectFromJson({ name: 'vector', ...ASCII, bitmap: { encoding: 'hex' }, ...doc }));
}

function imageOf(v: { ascii?: string; hex?: string }): Buffer {
  return v.ascii !== undefined ? Buffer.from(v.ascii, 'latin1') : Buffer.from(v.hex ?? '', 'hex');
}

function roundTrip(codec: Codec, image: Buffer, expected: IsoMessage): void {
  const decoded = codec.unpack(image);
  assert.deepEqual(decoded, expected);
  assert.equal(codec.pack(decoded).toString('hex'), image.toString('hex'));
}

test('pyiso8583 conformance – moov ASCII simple: LLVAR PAN, n6, n12 padded from a number', () => {
  const v = V.moov_ascii_simple;
  const codec = codecOf({ fields: { '2': n(19, LL), '3': n(6), '4': n(12) } });
  const image = Buffer.from(v.ascii, 'latin1');
  // moov lists field 4 as "100 (wire 000000000100)": the decoded message shows the wire value.
  roundTrip(codec, image, { '0': '0100', '2': '4242424242424242', '3': '123456', '4': '000000000100' });
  // Packing the number 100 pads it to the wire value.
  assert.deepEqual(codec.pack({ '0': '0100', '2': '4242424242424242', '3': '123456', '4': 100 }), image);
});

test('pyiso8583 conformance – moov tertiary bitmap: bits 1 and 65 announce the next bitmap, field 130', () => {
  const v = V.moov_tertiary_bitmap;
  const codec = codecOf({ bitmap: { encoding: 'hex', tertiary: true }, fields: { '2': n(19, LL), '130': ans(1) } });
  roundTrip(codec, Buffer.from(v.ascii, 'latin1'), { '0': '0100', '130': '1' });
});

test('pyiso8583 conformance – moov binary bitmap with mixed encodings (BCD right and left justified, LLL binary)', () => {
  const v = V.moov_binary_mixed;
  const codec = codecOf({
    bitmap: { encoding: 'binary' },
    fields: {
      '2': n(19, LL), '3': n(6), '4': n(12), '7': n(10), '11': n(6), '12': n(6), '13': n(4), '14': n(4),
      '19': { name: 'N', type: 'n', length: 3, encoding: 'bcd', justify: 'right' },
      '22': n(3), '25': n(2), '32': n(11, LL),
      '35': { name: 'TRACK 2', type: 'z', length: 37, encoding: 'ascii', ...LL },
      '37': ans(12), '41': ans(8), '42': ans(15),
      '43': ans(40, { pad: { side: 'left', char: ' ' } }),
      '49': { name: 'N', type: 'n', length: 3, encoding: 'bcd', justify: 'left' },
      '52': { name: 'PIN', type: 'b', length: 8, encoding: 'binary' },
      '53': ans(16),
      '55': { name: 'ICC', type: 'b', length: 999, encoding: 'binary', ...LLL },
      '120': ans(999, LLL),
    },
  });
  const image = Buffer.from(v.hex, 'hex');
  const decoded = codec.unpack(image);
  // moov shows numbers without their padding and F43 without its left padding; the codec shows the wire value.
  assert.deepEqual(decoded, {
    '0': '0100', '2': '4276555555555555', '3': '000000', '4': '000000077700', '7': '0701111844', '11': '000123',
    '12': '131844', '13': '0701', '14': '1902', '19': '643', '22': '901', '25': '02', '32': '123456',
    '35': '4276555555555555=12345678901234567890', '37': '987654321001', '41': '00000321', '42': '120000000000034',
    '43': `${' '.repeat(31)}Test text`, '49': '643', '52': '0102030405060708', '53': '1234000000000000',
    // F55: BER-TLV 9A "210720" and 9F02 "000000000501", the values as ASCII bytes (moov's sub-field view).
    '55': '9A063231303732309F020C303030303030303030353031', '120': 'Another test text',
  });
  assert.equal(codec.pack(decoded).toString('hex').toUpperCase(), v.hex.toUpperCase());
  // moov's values, padded as the dialect says, pack to the same image.
  const moov = v.fields as Record<string, string>;
  const fromMoov: MessageInput = { ...decoded, '4': Number(moov['4']), '11': moov['11'], '25': moov['25'], '43': moov['43'] };
  assert.equal(codec.pack(fromMoov).toString('hex').toUpperCase(), v.hex.toUpperCase());
});

test('pyiso8583 conformance – README request and response', () => {
  const v = V.pyiso8583_readme;
  const codec = codecOf({ fields: { '2': n(19, LL), '39': ans(2) } });
  roundTrip(codec, Buffer.from(v.ascii_in, 'latin1'), fromPyiso8583(v.decoded));
  roundTrip(codec, Buffer.from(v.response_out_ascii, 'latin1'), fromPyiso8583(v.response_fields));
});

test('pyiso8583 conformance – howto: text PAN, secondary bitmap, LLL binary F55, BCD PAN with a length in nibbles', () => {
  const [text, secondary, both, binary55, bcdPan] = V.pyiso8583_howto;
  assert.ok(text && secondary && both && binary55 && bcdPan);
  const ascii = codecOf({ fields: { '2': ans(19, LL), '3': n(6), '21': n(3), '102': n(28, LL) } });
  roundTrip(ascii, imageOf(text), fromPyiso8583(text.fields));
  roundTrip(ascii, imageOf(secondary), fromPyiso8583(secondary.fields));
  roundTrip(ascii, imageOf(both), fromPyiso8583(both.fields));
  const b55 = codecOf({ fields: { '55': { name: 'ICC', type: 'b', length: 999, encoding: 'binary', ...LLL } } });
  roundTrip(b55, imageOf(binary55), fromPyiso8583(binary55.fields));
  // 15 digits, left-justified BCD (pad nibble 0 after them), a 1-byte BCD length counting digits (0x15).
  const bcd = codecOf({
    fields: { '2': { name: 'PAN', type: 'n', length: 19, encoding: 'bcd', justify: 'left', prefix: { encoding: 'bcd', digits: 2 } } },
  });
  roundTrip(bcd, imageOf(bcdPan), fromPyiso8583(bcdPan.fields));
});

/** The bytes of field 2 alone: the image after the 4-character MTI and the 16-character hex bitmap. */
function field2Bytes(codec: Codec, value: string): string {
  return codec.pack({ '0': '0200', '2': value }).subarray(20).toString('hex').toUpperCase();
}

function wireHex(text: string): string {
  return (text.split(' (')[0] ?? '').replace(/\s+/g, '').toUpperCase();
}

test('pyiso8583 conformance – length prefixes counting bytes or nibbles, in ASCII or BCD', () => {
  for (const v of V.pyiso8583_nibbles_F2_value_1234_max8) {
    const binary = v.data_enc === 'b';
    // pyiso8583's len_type is the size of the prefix in bytes: 2 ASCII digits, or 2 BCD bytes (4 digits).
    const prefix = { encoding: v.len_enc, digits: v.len_enc === 'bcd' ? v.len_type * 2 : v.len_type, counts: v.len_count };
    const codec = codecOf({
      fields: { '2': { name: 'F2', type: binary ? 'b' : 'ans', length: 8, encoding: binary ? 'binary' : 'ascii', prefix } },
    });
    const label = JSON.stringify(v);
    assert.equal(field2Bytes(codec, '1234'), wireHex(v.wire_after_bitmap), label);
    assert.deepEqual(codec.unpack(codec.pack({ '0': '0200', '2': '1234' })), { '0': '0200', '2': '1234' }, label);
  }
});

test('pyiso8583 conformance – an odd number of BCD digits: pad nibble 0 or F, left or right', () => {
  const layouts: Record<string, Json> = {
    'left 0, ascii LL': { justify: 'right', padNibble: '0', prefix: { encoding: 'ascii', digits: 2 } },
    'left F, bcd LL(2 bytes)': { justify: 'right', padNibble: 'F', prefix: { encoding: 'bcd', digits: 4 } },
    'right 0, ascii LL': { justify: 'left', padNibble: '0', prefix: { encoding: 'ascii', digits: 2 } },
    'right F, fixed 3 nibbles': { justify: 'left', padNibble: 'F', length: 3 },
  };
  for (const v of V.pyiso8583_odd_nibbles_F2_value_123) {
    const layout = layouts[v.pad];
    assert.ok(layout !== undefined, v.pad);
    const codec = codecOf({ fields: { '2': { name: 'F2', type: 'n', length: 8, encoding: 'bcd', ...layout } } });
    assert.equal(field2Bytes(codec, '123'), wireHex(v.wire_after_bitmap), v.pad);
    assert.deepEqual(codec.unpack(codec.pack({ '0': '0200', '2': '123' })), { '0': '0200', '2': '123' }, v.pad);
  }
});

test('pyiso8583 conformance – the same bitmap as ASCII hex, EBCDIC hex characters and binary', () => {
  const v = V.pyiso8583_bitmap_decoding_equivalents;
  const values: Record<string, string> = {
    '2': '4111111111111111', '3': '000000', '4': '000000001000', '12': '103000', '28': 'C00000000', '32': '123456',
    '39': '00', '41': '00992468', '42': '000124642124643', '50': '840', '53': '0000000000000000', '62': 'PRIVATE',
  };
  const fields = {
    '2': n(19, LL), '3': n(6), '4': n(12), '12': n(6), '28': { name: 'FEE', type: 'xn', length: 9, encoding: 'ascii' },
    '32': n(11, LL), '39': ans(2), '41': ans(8), '42': ans(15), '50': n(3), '53': n(16), '62': ans(999, LLL),
  };
  assert.deepEqual(Object.keys(values).map(Number), v.fields);
  const expected = {
    hex: Buffer.from(v.ascii_hex, 'latin1'),
    ebcdic: Buffer.from(v.ebcdic_cp500_hex_chars, 'hex'),
    binary: Buffer.from(wireHex(v.binary), 'hex'),
  };
  for (const [encoding, bitmap] of Object.entries(expected)) {
    const codec = codecOf({ bitmap: { encoding }, fields });
    const message = { '0': '0200', ...values };
    const image = codec.pack(message);
    assert.deepEqual(image.subarray(4, 4 + bitmap.length), bitmap, encoding);
    assert.deepEqual(codec.unpack(image), message, encoding);
  }
});
