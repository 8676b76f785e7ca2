/**
 * A length prefix that counts bytes (or nibbles) and declares more than the field's maximum takes: refused with
 * ISO8583_ERR_LENGTH_OVER_MAX naming the field as soon as the prefix is read, as a prefix counting units is, not once
 * the declared bytes came. Else `measure()` waits for them and a stream cut by the dialect (lengthHeader "none")
 * holds every good message behind the bad one inside its field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, createCodec, dialectFromJson, isIso8583Error } from '../src/index.js';
import type { FieldSpec } from '../src/index.js';

function codecWith(field62: Partial<FieldSpec>) {
  return createCodec(dialectFromJson({ name: 'host-62', extends: 'iso87binary', fields: { '62': { name: 'HOST DATA', ...field62 } } } as never));
}

/** Is `err` ISO8583_ERR_LENGTH_OVER_MAX naming field 62? */
function overMax62(err: unknown): boolean {
  assert.ok(isIso8583Error(err), `a coded error, got ${String(err)}`);
  assert.equal(err.code, 'ISO8583_ERR_LENGTH_OVER_MAX');
  assert.equal(err.field, '62');
  return true;
}

/** The image of a message whose field 62 (the last field) takes `valueBytes` bytes, its 2-byte BCD prefix set to 9998 (even: a whole number of bytes in any count). */
function over(image: Buffer, valueBytes: number): Buffer {
  const bad = Buffer.from(image);
  bad[image.length - valueBytes - 2] = 0x99;
  bad[image.length - valueBytes - 1] = 0x98;
  return bad;
}

const LAYOUTS: readonly [string, Partial<FieldSpec>, string, number][] = [
  ['binary', { type: 'b', length: 512, encoding: 'binary', prefix: { encoding: 'bcd', digits: 4, counts: 'bytes' } }, 'AB'.repeat(8), 8],
  ['hex', { type: 'b', length: 512, encoding: 'hex', prefix: { encoding: 'bcd', digits: 4, counts: 'bytes' } }, 'AB'.repeat(8), 16],
  ['bcd digits', { type: 'n', length: 99, encoding: 'bcd', prefix: { encoding: 'bcd', digits: 4, counts: 'bytes' } }, '12345678', 4],
  ['binary nibbles', { type: 'b', length: 512, encoding: 'binary', prefix: { encoding: 'bcd', digits: 4, counts: 'nibbles' } }, 'AB'.repeat(8), 8],
];

for (const [name, spec, value, valueBytes] of LAYOUTS) {
  test(`over-max counted bytes – ${name}: measure() and unpack() refuse a prefix over the maximum before its bytes came`, () => {
    const codec = codecWith(spec);
    const image = codec.pack({ 0: '0200', 62: value });
    assert.equal(codec.unpack(image)['62'], value, 'the layout round-trips');
    const bad = over(image, valueBytes);
    assert.throws(() => codec.measure(bad), overMax62);
    assert.throws(() => codec.unpack(bad), overMax62);
  });
}

test('over-max counted bytes – a prefix at the maximum still waits for its bytes (measure() undefined)', () => {
  const codec = codecWith(LAYOUTS[0]![1]);
  const image = codec.pack({ 0: '0200', 62: 'AB'.repeat(8) });
  const atMax = Buffer.from(image);
  atMax[image.length - 10] = 0x05; // 0512 bytes declared: the maximum, 8 of them here
  atMax[image.length - 9] = 0x12;
  assert.equal(codec.measure(atMax), undefined);
});

test('over-max counted bytes – a stream cut by the dialect refuses the bad message at once, not holding the good ones behind it', () => {
  const codec = codecWith(LAYOUTS[0]![1]);
  const bad = over(codec.pack({ 0: '0200', 62: 'AB'.repeat(8) }), 8);
  const good = codec.pack({ 0: '0800', 62: 'CD'.repeat(8) });
  const decoder = new FrameDecoder({ lengthHeader: 'none', measure: (bytes) => codec.measure(bytes) });
  // A framing failure at the stream offset of the bad message, the codec's refusal its cause.
  assert.throws(() => decoder.push(Buffer.concat([bad, good, good])), (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FRAME_LENGTH');
    assert.equal(err.offset, 0);
    return overMax62(err.cause);
  });
});
