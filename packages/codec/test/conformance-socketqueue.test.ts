/**
 * Conformance with SocketQueue's SmartVista sample payloads: a JSON dialect that extends iso87ascii (binary bitmap,
 * F12 n12, F24 n3, F39 n3, F55 with a 2-byte BCD length and raw bytes) decodes them to the documented fields and
 * packs them again byte for byte; the framed copies (4 ASCII digits of length) go through the FrameDecoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { createCodec, dialectFromJson, encodeFrame, FrameDecoder } from '../src/index.js';
import type { Codec } from '../src/index.js';

/** The SmartVista flavour of SocketQueue, as a JSON dialect document. */
const SMARTVISTA = {
  name: 'smartvista',
  description: 'SmartVista/OpenWay host flavour (SocketQueue samples): ASCII, binary bitmap',
  extends: 'iso87ascii',
  bitmap: { encoding: 'binary' },
  fields: {
    '12': { name: 'TIME, LOCAL TRANSACTION (YYMMDDhhmmss)', type: 'n', length: 12, encoding: 'ascii' },
    '24': { name: 'FUNCTION CODE', type: 'n', length: 3, encoding: 'ascii' },
    '39': { name: 'RESPONSE CODE', type: 'n', length: 3, encoding: 'ascii' },
    '55': {
      name: 'ICC DATA',
      type: 'b',
      length: 999,
      encoding: 'binary',
      prefix: { encoding: 'bcd', digits: 4 },
      sensitive: 'emv',
    },
  },
};

function smartvista(): Codec {
  return createCodec(dialectFromJson(SMARTVISTA));
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
  '35': '4850781234567891=19082012232800000037',
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
  assert.deepEqual({ ...decoded, '55': undefined }, { ...PURCHASE_FIELDS, '55': undefined });
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
