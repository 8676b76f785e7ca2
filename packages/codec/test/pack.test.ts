/**
 * pack(): numbers and short numeric values padded per dialect, "1" ignored, binary as hex, composite fields as
 * nested objects, the dialect header, and byte-exact images of the built-in dialects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, pack, unpack } from '../src/index.js';
import type { Dialect } from '../src/index.js';

test('pack – numbers and short numeric strings are padded per dialect', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': 200, '4': 1000, '11': '42', '3': 0n, '28': 'C100' });
  assert.deepEqual(codec.unpack(image), {
    '0': '0200',
    '3': '000000',
    '4': '000000001000',
    '11': '000042',
    '28': 'C00000100',
  });
});

test('pack – "1" (the bitmap) is ignored, null and undefined mean absent', () => {
  const codec = createCodec('iso87ascii');
  const a = codec.pack({ '0': '0800', '1': 'FFFFFFFFFFFFFFFF', '11': '000001', '12': null, '13': undefined });
  const b = codec.pack({ '0': '0800', '11': '000001' });
  assert.deepEqual(a, b);
  assert.equal(a.toString('latin1'), '08000020000000000000000001');
});

test('pack – iso87binary: BCD MTI and numerics, binary bitmap, BCD lengths, left-justified PAN and track 2', () => {
  const image = pack(
    {
      '0': '0200',
      '2': '4111111111111111',
      '3': '000000',
      '4': 1000,
      '35': '4111111111111111=2812101',
      '52': '0123456789abcdef',
      '55': '9F0206000000001000',
    },
    { dialect: 'iso87binary' },
  );
  assert.equal(
    image.toString('hex').toUpperCase(),
    '0200' +
      '7000000020001200' +
      '164111111111111111' +
      '000000' +
      '000000001000' +
      '244111111111111111D2812101' +
      '0123456789ABCDEF' +
      '00099F0206000000001000',
  );
  assert.equal(unpack(image, { dialect: 'iso87binary' })['52'], '0123456789ABCDEF');
});

test('pack – iso87binary: an odd PAN is left-justified with a 0 pad nibble; amounts carry an ASCII sign', () => {
  const codec = createCodec('iso87binary');
  const image = codec.pack({ '0': '0100', '2': '5500000000000004123', '28': 'D00000050' });
  assert.equal(image.subarray(10).toString('hex').toUpperCase(), '19' + '55000000000000041230' + '44' + '00000050');
  assert.deepEqual(codec.unpack(image), { '0': '0100', '2': '5500000000000004123', '28': 'D00000050' });
});

test('pack – iso87ascii: binary fields travel as hex characters, upper case', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': '0200', '52': 'cafebabecafebabe' });
  assert.equal(image.toString('latin1', 20), 'CAFEBABECAFEBABE');
});

test('pack – the dialect header goes before the MTI (default zeros, or the bytes given)', () => {
  const dialect: Dialect = {
    name: 'with-tpdu',
    headerLength: 5,
    mti: { encoding: 'bcd' },
    bitmap: { encoding: 'binary' },
    fields: { '11': { name: 'STAN', type: 'n', length: 6, encoding: 'bcd' } },
  };
  const codec = createCodec(dialect);
  const header = Buffer.from('6000010000', 'hex');
  const image = codec.pack({ '0': '0800', '11': '000001' }, { header });
  assert.equal(image.toString('hex'), '6000010000' + '0800' + '0020000000000000' + '000001');
  const decoded = codec.decode(image);
  assert.deepEqual(decoded.header, header);
  assert.equal(decoded.length, image.length);
  assert.deepEqual(codec.pack({ '0': '0800', '11': '1' }).subarray(0, 5), Buffer.alloc(5));
  assert.throws(() => codec.pack({ '0': '0800' }, { header: Buffer.alloc(4) }), { code: 'ISO8583_ERR_HEADER' });
});

test('pack – a positional composite field packs every sub-field in order, padding absent fixed ones', () => {
  const dialect: Dialect = {
    name: 'positional',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '3': {
        name: 'PROCESSING CODE',
        type: 'n',
        length: 6,
        encoding: 'ascii',
        subfields: {
          fields: {
            '1': { name: 'TRANSACTION TYPE', type: 'n', length: 2, encoding: 'ascii' },
            '2': { name: 'FROM ACCOUNT', type: 'n', length: 2, encoding: 'ascii' },
            '3': { name: 'TO ACCOUNT', type: 'n', length: 2, encoding: 'ascii' },
          },
        },
      },
    },
  };
  const codec = createCodec(dialect);
  const image = codec.pack({ '0': '0200', '3': { '1': '01', '3': 20 } });
  assert.equal(image.toString('latin1', 20), '010020');
  assert.deepEqual(codec.unpack(image), { '0': '0200', '3': { '1': '01', '2': '00', '3': '20' } });
});

test('pack – a composite with a header shows it as "header" (hex) and takes it back', () => {
  const dialect: Dialect = {
    name: 'composite-header',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '127': {
        name: 'PRIVATE',
        type: 'b',
        length: 999999,
        encoding: 'binary',
        prefix: { encoding: 'ascii', digits: 6 },
        subfields: {
          headerLength: 2,
          bitmap: { encoding: 'binary' },
          fields: { '2': { name: 'SWITCH KEY', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
        },
      },
    },
  };
  const codec = createCodec(dialect);
  const message = { '0': '0200', '127': { header: 'ABCD', '2': 'KEY1' } };
  const image = codec.pack(message);
  assert.equal(image.subarray(36).toString('hex').toUpperCase(), Buffer.from('000016', 'latin1').toString('hex').toUpperCase() + 'ABCD' + '4000000000000000' + '3034' + '4B455931');
  assert.deepEqual(codec.unpack(image), message);
});

test('pack – top-level pack and unpack default to iso87ascii', () => {
  const image = pack({ '0': '0800', '70': '301' });
  assert.equal(image.toString('latin1'), '0800' + '8000000000000000' + '0400000000000000' + '301');
  assert.deepEqual(unpack(image), { '0': '0800', '70': '301' });
});

test('pack – images returned earlier are never overwritten by later packs', () => {
  const codec = createCodec('iso87ascii');
  const images: [Buffer, string][] = [];
  for (let i = 0; i < 300; i++) {
    const image = codec.pack({ '0': '0200', '11': i, '48': 'X'.repeat(i % 200) });
    images.push([image, image.toString('hex')]);
  }
  for (const [image, hex] of images) assert.equal(image.toString('hex'), hex);
});

test('pack – a message bigger than the working buffer packs and unpacks', () => {
  const codec = createCodec('iso87ascii');
  const message: Record<string, string> = { '0': '0200' };
  for (let f = 105; f <= 127; f++) message[String(f)] = 'ABCDEFGHIJ'.repeat(99);
  const image = codec.pack(message);
  assert.equal(image.length, 4 + 32 + 23 * (3 + 990));
  assert.deepEqual(codec.unpack(image), message);
});

test('pack – keys present with undefined values, in any order, change nothing', () => {
  const codec = createCodec('iso87ascii');
  const plain = codec.pack({ '0': '0200', '3': '000000', '11': '000001' });
  const odd = codec.pack({ '11': '000001', extra: undefined, '0': '0200', '3': '000000', '129': undefined } as never);
  assert.deepEqual(odd, plain);
});
