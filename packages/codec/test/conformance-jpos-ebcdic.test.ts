/**
 * Conformance with jPOS's EBCDIC: jPOS packs `IFE_` text with `ISOUtil.EBCDIC`, Java's IBM1047 charset. A message
 * with `^ [ ] ¬` and an LF in an `IFE_LLCHAR` field (43, card acceptor name/location) packed under the imported
 * iso93ebcdic-custom.xml must give jPOS's bytes: the jPOS image ISO93ebcdic-Custom-Img.hex with field 43 added, its
 * bytes those of code page 1047 (checked against Java's `"...".getBytes("IBM1047")`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVectorHex } from '@iso8583/test-support';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import type { Codec, CodecOptions, Dialect, IsoMessage } from '../src/index.js';
import { readJposDump, vectorText } from './conformance-support.js';

const PACKAGER = 'iso93ebcdic-custom.xml';

function importedDialect(): Dialect {
  return dialectFromPackagerXml(vectorText(`jpos/packagers/${PACKAGER}`), 'iso93ebcdic-custom');
}

function importedCodec(options?: CodecOptions): Codec {
  return createCodec(importedDialect(), options);
}

/** Header (9 bytes), MTI (4 EBCDIC digits), then the primary bitmap as 16 EBCDIC hex characters. */
const BITMAP_AT = 13;

/** EBCDIC hex digit bytes (F0-F9, C1-C6), the same in every EBCDIC code page. */
const EBCDIC_HEX = 'F0F1F2F3F4F5F6F7F8F9C1C2C3C4C5C6';

function ebcdicHexDigit(byte: number): number {
  const at = EBCDIC_HEX.indexOf(byte.toString(16).toUpperCase().padStart(2, '0'));
  assert.ok(at >= 0 && at % 2 === 0, `byte ${byte.toString(16)} is not an EBCDIC hex digit`);
  return at / 2;
}

/**
 * The jPOS image with field `43` added: bit 43 set in its EBCDIC bitmap and the field's bytes (`field43`, prefix
 * included) placed right after field 42, whose value the dump gives.
 */
function jposImageWith43(field43: Buffer): Buffer {
  const image = Buffer.from(readVectorHex('jpos/ISO93ebcdic-Custom-Img.hex'));
  // Bit 43 is bit 2 (value 2) of hex digit 10 of the bitmap.
  const digit = ebcdicHexDigit(image[BITMAP_AT + 10]!) | 2;
  image[BITMAP_AT + 10] = parseInt(EBCDIC_HEX.slice(digit * 2, digit * 2 + 2), 16);
  // Field 42 ("395308403300   ", IFE_CHAR 15) in EBCDIC: digits F0-F9, spaces 40.
  const f42 = Buffer.from(
    [...'395308403300   '].map((c) => (c === ' ' ? 0x40 : 0xf0 + Number(c))),
  );
  const at = image.indexOf(f42, BITMAP_AT + 16);
  assert.ok(at > 0, 'field 42 found in the jPOS image');
  return Buffer.concat([image.subarray(0, at + f42.length), field43, image.subarray(at + f42.length)]);
}

function dumpMessage(): { message: IsoMessage; header: Buffer } {
  const dump = readJposDump('jpos/ISO93ebcdic-Custom-XmlMsg.xml', importedDialect());
  return { message: dump.message, header: dump.header ?? Buffer.alloc(0) };
}

/** "SHOP [7] ^CARET ¬NOT" in IBM1047, as Java encodes it; 20 characters behind the EBCDIC length F2F0. */
const BRACKETS = { text: 'SHOP [7] ^CARET ¬NOT', wire: 'F2F0' + 'E2C8D6D740ADF7BD405FC3C1D9C5E340B0D5D6E3' };
/** The same text in code page 037: where the old table put `[ ] ^ ¬`. */
const BRACKETS_037 = 'F2F0' + 'E2C8D6D740BAF7BB40B0C3C1D9C5E3405FD5D6E3';
/** "LINE 1\nLINE 2 [OK]" in IBM1047: LF is X'15'. */
const NEWLINE = { text: 'LINE 1\nLINE 2 [OK]', wire: 'F1F8' + 'D3C9D5C540F115D3C9D5C540F240ADD6D2BD' };

test('jPOS EBCDIC conformance – ^ [ ] ¬ in IFE_LLCHAR field 43 pack as IBM1047 under iso93ebcdic-custom.xml', () => {
  const codec = importedCodec();
  const { message, header } = dumpMessage();
  const image = codec.pack({ ...message, '43': BRACKETS.text }, { header });
  const expected = jposImageWith43(Buffer.from(BRACKETS.wire, 'hex'));
  assert.equal(image.toString('hex').toUpperCase(), expected.toString('hex').toUpperCase());
  // The jPOS image decodes to the characters jPOS packed.
  const decoded = codec.decode(expected);
  assert.equal(decoded.message['43'], BRACKETS.text);
  assert.deepEqual(decoded.message, { ...message, '43': BRACKETS.text });
});

test('jPOS EBCDIC conformance – an LF in field 43 packs as X\'15\' (lenient: jPOS does not check ans)', () => {
  const { message, header } = dumpMessage();
  const withLf = { ...message, '43': NEWLINE.text };
  // Strict mode refuses a control character in an ans field, naming it.
  assert.deepEqual(
    importedCodec().validate(withLf).map((p) => [p.field, p.code]),
    [['43', 'ISO8583_ERR_FIELD_TYPE']],
  );
  const codec = importedCodec({ lenient: true });
  const image = codec.pack(withLf, { header });
  const expected = jposImageWith43(Buffer.from(NEWLINE.wire, 'hex'));
  assert.equal(image.toString('hex').toUpperCase(), expected.toString('hex').toUpperCase());
  assert.equal(codec.decode(expected).message['43'], NEWLINE.text);
});

test('jPOS EBCDIC conformance – the imported IFE_ text fields are plain ebcdic, code page 1047', () => {
  const dialect = importedDialect();
  for (const id of ['31', '34', '35', '37', '41', '42', '43']) assert.equal(dialect.fields[id]?.encoding, 'ebcdic', `field ${id}`);
});

test('jPOS EBCDIC conformance – under code page 037 the same jPOS bytes read as other characters', () => {
  // A dialect that names 037 for field 43 (a peer on code page 037) reads jPOS's bytes as ¬ Ý ¨ ^, not ^ [ ] ¬.
  const base = importedDialect();
  const dialect: Dialect = { ...base, fields: { ...base.fields, '43': { ...base.fields['43']!, encoding: 'ebcdic-037' } } };
  const cp037 = createCodec(dialect);
  const jposImage = jposImageWith43(Buffer.from(BRACKETS.wire, 'hex'));
  assert.equal(cp037.decode(jposImage).message['43'], 'SHOP Ý7¨ ¬CARET ^NOT');
  // And 037 packs the text with its own bytes.
  const { message, header } = dumpMessage();
  const image = cp037.pack({ ...message, '43': BRACKETS.text }, { header });
  assert.deepEqual(image, jposImageWith43(Buffer.from(BRACKETS_037, 'hex')));
});

test('jPOS EBCDIC conformance – ISO93ebcdic-Custom-Img.hex still packs byte for byte', () => {
  const codec = importedCodec();
  const image = readVectorHex('jpos/ISO93ebcdic-Custom-Img.hex');
  const { message, header } = dumpMessage();
  assert.deepEqual(codec.pack(message, { header }), image);
  assert.deepEqual(codec.decode(image).message, message);
});
