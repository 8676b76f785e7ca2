/**
 * unpack(), decode() and measure(): bounds checked on every read, trailing bytes, wire values kept, strict type
 * checks relaxed by lenient mode (WSO2's ATM 0200 with letters in field 3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import type { Dialect } from '../src/index.js';

const PURCHASE = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '11': '000042',
  '35': '4111111111111111=28121011234567890',
  '41': 'TERM 01 ',
  '52': '0123456789ABCDEF',
  '55': '9F02060000000010009F1A020840',
  '70': '301',
};

for (const dialect of ['iso87ascii', 'iso87binary']) {
  test(`unpack – ${dialect}: every cut of a valid image is ISO8583_ERR_TRUNCATED and measure() asks for more`, () => {
    const codec = createCodec(dialect);
    const image = codec.pack(PURCHASE);
    for (let cut = 0; cut < image.length; cut++) {
      const part = image.subarray(0, cut);
      assert.throws(() => codec.unpack(part), { code: 'ISO8583_ERR_TRUNCATED' }, `cut at ${cut}`);
      assert.equal(codec.measure(part), undefined, `cut at ${cut}`);
    }
    assert.equal(codec.measure(image), image.length);
    assert.equal(codec.measure(Buffer.concat([image, image])), image.length);
    assert.deepEqual(codec.unpack(image), PURCHASE);
  });
}

test('unpack – a truncated field names the field and the offset where it starts', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': '0200', '3': '000000', '11': '000001' });
  assert.throws(() => codec.unpack(image.subarray(0, image.length - 2)), {
    code: 'ISO8583_ERR_TRUNCATED',
    field: '11',
    offset: 26,
  });
});

test('unpack – trailing bytes are an error unless allowed; decode() tells the length used', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': '0800', '11': '000001' });
  const extended = Buffer.concat([image, Buffer.from('\n')]);
  assert.throws(() => codec.unpack(extended), { code: 'ISO8583_ERR_TRAILING_BYTES', offset: image.length });
  assert.deepEqual(codec.unpack(extended, { trailing: 'allow' }), { '0': '0800', '11': '000001' });
  const decoded = codec.decode(extended, { trailing: 'allow' });
  assert.equal(decoded.length, image.length);
  assert.equal(decoded.header.length, 0);
  const allowing = createCodec('iso87ascii', { trailing: 'allow' });
  assert.equal(allowing.decode(extended).length, image.length);
});

test('unpack – WSO2 test client 0200 (a trailing LF after the message) decodes field by field', () => {
  const vectors = JSON.parse(readVector('wso2/messages.json').toString('utf8')) as Record<string, { ascii: string; fields: Record<string, string> }>;
  const v = vectors.testclient_0200!;
  const codec = createCodec('iso87ascii');
  const image = Buffer.from(v.ascii, 'latin1');
  assert.deepEqual(codec.unpack(image), v.fields);
  assert.deepEqual(codec.decode(Buffer.concat([image, Buffer.from([0x0a])]), { trailing: 'allow' }).message, v.fields);
});

test('unpack – strict mode refuses letters in an n field; lenient accepts them and packs them back byte for byte', () => {
  const vectors = JSON.parse(readVector('wso2/messages.json').toString('utf8')) as Record<string, { ascii: string; fields: Record<string, string> }>;
  const v = vectors.atm_0200_with_ascii4_length!;
  const image = Buffer.from(v.ascii, 'latin1').subarray(4);
  const strict = createCodec('iso87ascii');
  assert.throws(() => strict.unpack(image), { code: 'ISO8583_ERR_FIELD_TYPE', field: '3', offset: 54 });
  const message = strict.unpack(image, { lenient: true });
  assert.deepEqual(message, v.fields);
  assert.throws(() => strict.pack(message), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  const lenient = createCodec('iso87ascii', { lenient: true });
  assert.deepEqual(lenient.pack(message), image);
  assert.deepEqual(lenient.validate(message), []);
  // Lenient mode still checks lengths.
  assert.equal(lenient.validate({ ...message, '3': 'IW02   ' })[0]?.code, 'ISO8583_ERR_FIELD_TOO_LONG');
});

test('unpack – wire values are kept: leading zeros, padding spaces, upper-case hex', () => {
  const codec = createCodec('iso87ascii');
  const image = Buffer.from('0200' + '2000000000800000' + '000000' + 'ab000000'.toUpperCase(), 'latin1');
  assert.deepEqual(codec.unpack(image), { '0': '0200', '3': '000000', '41': 'AB000000' });
  const padded = codec.unpack(codec.pack({ '0': '0200', '41': 'T1' }));
  assert.equal(padded['41'], 'T1      ');
});

test('unpack – an MTI that is not four digits is ISO8583_ERR_MTI', () => {
  const codec = createCodec('iso87ascii');
  assert.throws(() => codec.unpack(Buffer.from('02X00000000000000000', 'latin1')), { code: 'ISO8583_ERR_MTI', offset: 0 });
  assert.throws(() => createCodec('iso87binary').unpack(Buffer.from('0A000000000000000000', 'hex')), { code: 'ISO8583_ERR_MTI' });
});

test('unpack – accepts a Uint8Array as well as a Buffer', () => {
  const codec = createCodec('iso87binary');
  const image = codec.pack({ '0': '0810', '39': '00' });
  assert.deepEqual(codec.unpack(new Uint8Array(image)), { '0': '0810', '39': '00' });
});

test('unpack – sub-fields must fill their composite field exactly', () => {
  const dialect: Dialect = {
    name: 'composite',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '48': {
        name: 'ADDITIONAL DATA',
        type: 'b',
        length: 99,
        encoding: 'binary',
        prefix: { encoding: 'ascii', digits: 2 },
        subfields: { fields: { '1': { name: 'A', type: 'n', length: 2, encoding: 'ascii' } } },
      },
    },
  };
  const codec = createCodec(dialect);
  const good = Buffer.from('0200' + '0000000000010000' + '02' + '12', 'latin1');
  assert.deepEqual(codec.unpack(good), { '0': '0200', '48': { '1': '12' } });
  const long = Buffer.from('0200' + '0000000000010000' + '03' + '123', 'latin1');
  assert.throws(() => codec.unpack(long), { code: 'ISO8583_ERR_TRAILING_BYTES', field: '48' });
  const short = Buffer.from('0200' + '0000000000010000' + '01' + '1', 'latin1');
  assert.throws(() => codec.unpack(short), { code: 'ISO8583_ERR_TRUNCATED', field: '48.1' });
  // A composite that is malformed inside is not "more bytes needed".
  assert.throws(() => codec.measure(short), { code: 'ISO8583_ERR_TRUNCATED' });
});

test('unpack – measure() throws for bytes that cannot start a message', () => {
  const codec = createCodec('iso87ascii');
  assert.throws(() => codec.measure(Buffer.from('0200ZZ', 'latin1')), { code: 'ISO8583_ERR_BITMAP' });
  assert.equal(codec.measure(Buffer.alloc(0)), undefined);
});

test('unpack – measure() checks the structure only: a type error is left to unpack', () => {
  const codec = createCodec('iso87ascii');
  const image = Buffer.from('0200' + '2000000000000000' + 'IW02  ', 'latin1');
  assert.equal(codec.measure(image), image.length);
  assert.throws(() => codec.unpack(image), { code: 'ISO8583_ERR_FIELD_TYPE', field: '3' });
});
