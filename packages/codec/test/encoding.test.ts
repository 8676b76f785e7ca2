/**
 * Value encodings, field by field: ASCII, EBCDIC (code page 1047; both code pages in ebcdic.test.ts), BCD (right- and
 * left-justified, 0 or F pad nibble, odd lengths, track 2 separator as nibble D), binary and hex characters. Each row
 * packs a value, compares the wire bytes, and unpacks them back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldSpec } from '../src/index.js';
import { fieldHex, oneFieldCodec, readFieldHex } from './field-support.js';

interface Row {
  title: string;
  spec: Partial<FieldSpec>;
  value: string;
  wire: string;
  /** The value as unpacked, when it differs from `value` (padding, case). */
  decoded?: string;
}

const rows: Row[] = [
  { title: 'ascii n fixed: digits as characters', spec: { type: 'n', length: 6, encoding: 'ascii' }, value: '012345', wire: '303132333435' },
  { title: 'ascii ans fixed: right-padded with spaces', spec: { type: 'ans', length: 5, encoding: 'ascii' }, value: 'AB', wire: '4142202020', decoded: 'AB   ' },
  { title: 'ascii n fixed: left-padded with zeros', spec: { type: 'n', length: 6, encoding: 'ascii' }, value: '42', wire: '303030303432', decoded: '000042' },
  { title: 'ascii an with an explicit left space pad', spec: { type: 'an', length: 4, encoding: 'ascii', pad: { side: 'left', char: ' ' } }, value: 'AB', wire: '20204142', decoded: '  AB' },
  { title: 'ascii Latin-1 character', spec: { type: 'ans', length: 3, encoding: 'ascii' }, value: 'É1a', wire: 'C93161' },
  { title: 'ebcdic digits (F0-F9)', spec: { type: 'n', length: 4, encoding: 'ebcdic' }, value: '0123', wire: 'F0F1F2F3' },
  { title: 'ebcdic letters and space', spec: { type: 'ans', length: 6, encoding: 'ebcdic' }, value: 'Az 9/=', wire: 'C1A940F9617E' },
  { title: 'bcd even digits', spec: { type: 'n', length: 4, encoding: 'bcd' }, value: '1234', wire: '1234' },
  { title: 'bcd odd, right-justified, 0 pad nibble', spec: { type: 'n', length: 3, encoding: 'bcd' }, value: '123', wire: '0123' },
  { title: 'bcd odd, right-justified, F pad nibble', spec: { type: 'n', length: 3, encoding: 'bcd', padNibble: 'F' }, value: '123', wire: 'F123' },
  { title: 'bcd odd, left-justified, 0 pad nibble', spec: { type: 'n', length: 3, encoding: 'bcd', justify: 'left' }, value: '123', wire: '1230' },
  { title: 'bcd odd, left-justified, F pad nibble', spec: { type: 'n', length: 3, encoding: 'bcd', justify: 'left', padNibble: 'F' }, value: '123', wire: '123F' },
  { title: 'bcd n fixed: short value padded with zeros', spec: { type: 'n', length: 6, encoding: 'bcd' }, value: '7', wire: '000007', decoded: '000007' },
  { title: 'bcd z: track 2 separator as nibble D', spec: { type: 'z', length: 37, encoding: 'bcd', justify: 'left', prefix: { encoding: 'bcd', digits: 2 } }, value: '4111111111111111=2812101', wire: '244111111111111111D2812101' },
  { title: 'bcd z odd: separator and F pad', spec: { type: 'z', length: 37, encoding: 'bcd', justify: 'left', padNibble: 'F', prefix: { encoding: 'bcd', digits: 2 } }, value: '4111111111111111=281210', wire: '234111111111111111D281210F' },
  { title: 'bcd xn: ASCII sign, BCD digits (IFB_AMOUNT)', spec: { type: 'xn', length: 9, encoding: 'bcd' }, value: 'C00000100', wire: '4300000100' },
  { title: 'bcd xn: EBCDIC sign (IFE_AMOUNT)', spec: { type: 'xn', length: 9, encoding: 'bcd', signEncoding: 'ebcdic' }, value: 'D00000100', wire: 'C400000100' },
  { title: 'ascii xn: sign and digits (IFA_AMOUNT)', spec: { type: 'xn', length: 9, encoding: 'ascii' }, value: 'C100', wire: '433030303030313030', decoded: 'C00000100' },
  { title: 'binary: hex in the message, raw bytes on the wire', spec: { type: 'b', length: 4, encoding: 'binary' }, value: 'CAFEBABE', wire: 'CAFEBABE' },
  { title: 'binary: lower-case hex accepted, upper-case shown', spec: { type: 'b', length: 2, encoding: 'binary' }, value: 'beef', wire: 'BEEF', decoded: 'BEEF' },
  { title: 'hex characters (IFA_BINARY)', spec: { type: 'b', length: 2, encoding: 'hex' }, value: '0aF1', wire: '30414631', decoded: '0AF1' },
  { title: 'EBCDIC hex characters (IFE_BINARY)', spec: { type: 'b', length: 2, encoding: 'ebcdic-hex' }, value: '0AF1', wire: 'F0C1C6F1' },
];

for (const row of rows) {
  test(`encoding – ${row.title}`, () => {
    const codec = oneFieldCodec(row.spec);
    assert.equal(fieldHex(codec, row.value), row.wire);
    assert.equal(readFieldHex(codec, row.wire), row.decoded ?? row.value);
  });
}

test('encoding – EBCDIC (code page 1047) maps every byte one to one and round trips all Latin-1', () => {
  const codec = oneFieldCodec(
    { type: 'ans', length: 256, encoding: 'ebcdic', prefix: { encoding: 'ascii', digits: 3 } },
    { lenient: true },
  );
  let all = '';
  for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
  const image = codec.pack({ '0': '0200', '2': all });
  assert.equal(new Set(image.subarray(23)).size, 256);
  assert.equal(codec.unpack(image)['2'], all);
});

test('encoding – a BCD nibble above 9 is an encoding error naming the field and offset', () => {
  const codec = oneFieldCodec({ type: 'n', length: 4, encoding: 'bcd' });
  assert.throws(() => readFieldHex(codec, '12A4'), { code: 'ISO8583_ERR_ENCODING', field: '2', offset: 20 });
  // Lenient mode shows the nibble as a letter and sends it back unchanged.
  assert.equal(readFieldHex(codec, '12A4', { lenient: true }), '12A4');
  assert.equal(fieldHex(oneFieldCodec({ type: 'n', length: 4, encoding: 'bcd' }, { lenient: true }), '12A4'), '12A4');
});

test('encoding – nibble D is a track separator only in z fields', () => {
  const track = oneFieldCodec({ type: 'z', length: 4, encoding: 'bcd' });
  assert.equal(readFieldHex(track, '12D4'), '12=4');
  const numeric = oneFieldCodec({ type: 'n', length: 4, encoding: 'bcd' });
  assert.throws(() => readFieldHex(numeric, '12D4'), { code: 'ISO8583_ERR_ENCODING' });
});

test('encoding – a hex-character field with a non-hex character is an encoding error', () => {
  const codec = oneFieldCodec({ type: 'b', length: 2, encoding: 'hex' });
  assert.throws(() => readFieldHex(codec, Buffer.from('12G4', 'latin1').toString('hex')), {
    code: 'ISO8583_ERR_ENCODING',
    field: '2',
  });
});

test('encoding – characters above U+00FF cannot travel even in lenient mode', () => {
  const codec = oneFieldCodec({ type: 'ans', length: 4, encoding: 'ascii' }, { lenient: true });
  assert.throws(() => fieldHex(codec, 'A€'), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
});
