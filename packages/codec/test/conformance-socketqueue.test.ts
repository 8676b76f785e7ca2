/**
 * Conformance with SocketQueue's SmartVista sample payloads: the built-in `smartvista` dialect (binary bitmap, F12
 * n12, F24 n3, F39 n3, F55 with a 2-byte BCD length and raw bytes) decodes them to the documented fields and
 * packs them again byte for byte; the framed copies (4 ASCII digits of length) go through the FrameDecoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { approvalCode, createCodec, dialectFromJson, encodeFrame, FrameDecoder, getDialect, isApproved } from '../src/index.js';
import type { Codec } from '../src/index.js';

function smartvista(): Codec {
  return createCodec('smartvista');
}

const ECHO = {
  '0': '0800',
  '3': '000000',
  '7': '0607161700',
  '11': '123456',
  '24': '000',
  '41': '00123456',
  '42': '123567890124567',
};

const PURCHASE_FIELDS = {
  '0': '0200',
  '3': '000000',
  '4': '000000001000',
  '7': '0607173500',
  '11': '618160',
  '12': '160607173800',
  '22': '056',
  '24': '200',
  '25': '00',
  '41': '00992468',
  '42': '000124642124643',
  '49': '810',
};

test('SocketQueue conformance – sv_800_echo.bin decodes under the SmartVista dialect and packs again', () => {
  const image = readVector('socketqueue/sv_800_echo.bin');
  assert.equal(image.length, 60);
  // Bitmap 2220010000C00000 travels as 8 raw bytes.
  assert.equal(image.subarray(4, 12).toString('hex').toUpperCase(), '2220010000C00000');
  const codec = smartvista();
  assert.deepEqual(codec.unpack(image), ECHO);
  assert.deepEqual(codec.pack(ECHO), image);
});

test('SocketQueue conformance – sv_200_purchase.bin: track 2, n12 field 12 and 130 bytes of EMV data in F55', () => {
  const image = readVector('socketqueue/sv_200_purchase.bin');
  assert.equal(image.length, 263);
  const codec = smartvista();
  const decoded = codec.unpack(image);
  const f55 = decoded['55'];
  assert.equal(typeof f55, 'string');
  assert.equal(String(f55).length, 260);
  assert.match(String(f55), /^9F2608571F1E/);
  assert.match(String(f55), /5F340101$/);
  // The 2-byte BCD length 01 30 precedes the EMV data; a 0x0A byte inside the data is data, not a line end.
  const at = image.indexOf(Buffer.from(String(f55).slice(0, 12), 'hex'));
  assert.equal(image.subarray(at - 2, at).toString('hex'), '0130');
  assert.ok(image.subarray(at).includes(0x0a));
  // Track 2 (its card number not spelled here: only test card numbers appear in the repository): 16 digits, then the
  // vector's separator, expiry, service code and discretionary data; the pack below gives back its very bytes.
  assert.match(String(decoded['35']), /^4850[0-9]{12}=19082012232800000037$/);
  assert.deepEqual({ ...decoded, '35': undefined, '55': undefined }, { ...PURCHASE_FIELDS, '35': undefined, '55': undefined });
  assert.deepEqual(codec.pack(decoded), image);
});

for (const name of ['sv_800_echo', 'sv_200_purchase']) {
  test(`SocketQueue conformance – ${name}_header.bin is the message behind 4 ASCII digits of length`, () => {
    const framed = readVector(`socketqueue/${name}_header.bin`);
    const plain = readVector(`socketqueue/${name}.bin`);
    const codec = smartvista();
    // Whole, and one byte per read: the same single frame.
    for (const chunks of [[framed], [...framed].map((b) => Buffer.from([b]))]) {
      const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
      const frames = chunks.flatMap((c) => decoder.push(c));
      assert.equal(frames.length, 1);
      const payload = frames[0]?.payload ?? Buffer.alloc(0);
      assert.deepEqual(Buffer.from(payload), plain);
      assert.equal(decoder.bufferedBytes, 0);
      assert.deepEqual(codec.pack(codec.unpack(payload)), plain);
    }
    assert.deepEqual(encodeFrame(plain, { lengthHeader: 'ascii4' }), framed);
  });
}

test('approval – smartvista and the 1993 dialects approve with 000 (field 39 n3), the 1987 dialects with 00', () => {
  const sv = getDialect('smartvista');
  assert.deepEqual(sv.approvalCodes, ['000']);
  assert.equal(approvalCode(sv), '000');
  assert.equal(isApproved(sv, '000'), true);
  assert.equal(isApproved(sv, '00'), false);
  assert.equal(isApproved(sv, 0), false);
  for (const name of ['iso87ascii', 'iso87binary']) {
    const d = getDialect(name);
    assert.equal(isApproved(d, '00'), true);
    assert.equal(isApproved(d, '000'), false);
    assert.equal(isApproved(d, undefined), false);
  }
  // ISO 8583:1993: field 39 is the action code, 000 approved.
  for (const name of ['iso93ascii', 'iso93binary']) assert.equal(isApproved(getDialect(name), '000'), true, name);
});

test('smartvista – 41 n8 and 42 n15 are zero-padded numbers, 52 is 8 raw bytes behind a 1-byte BCD length', () => {
  const codec = smartvista();
  const image = codec.pack({ '0': '0200', '3': '000000', '41': '992468', '42': '124642124643', '52': '0123456789ABCDEF' });
  const decoded = codec.unpack(image);
  assert.equal(decoded['41'], '00992468');
  assert.equal(decoded['42'], '000124642124643');
  assert.equal(decoded['52'], '0123456789ABCDEF');
  assert.ok(image.includes(Buffer.from('080123456789abcdef', 'hex')));
});

test('dialect files – approvalCodes is inherited, overridable and as wide as field 39', () => {
  const inherited = dialectFromJson({ name: 'sv2', extends: 'smartvista', fields: {} });
  assert.deepEqual(inherited.approvalCodes, ['000']);
  const own = dialectFromJson({ name: 'sv3', extends: 'smartvista', approvalCodes: ['000', '001'], fields: {} });
  assert.equal(isApproved(own, '001'), true);
  assert.throws(
    () => dialectFromJson({ name: 'bad', extends: 'smartvista', approvalCodes: ['00'], fields: {} }),
    (err: Error & { code?: string }) => err.code === 'ISO8583_ERR_DIALECT_INVALID' && /approvalCodes\.0/.test(err.message),
  );
  assert.throws(
    () => dialectFromJson({ name: 'bad', extends: 'iso87ascii', approvalCodes: [], fields: {} }),
    (err: Error & { code?: string }) => err.code === 'ISO8583_ERR_DIALECT_INVALID',
  );
});
