// The SocketQueue view: numbers for numeric fields, the bitmap as "1", padded fields and card data kept as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect, toSocketQueueObject } from '../src/index.js';

const sv = getDialect('smartvista');

test('SocketQueue view – a SmartVista 0210 as SocketQueue\'s README shows it', () => {
  const codec = createCodec(sv);
  const image = codec.pack({
    '0': '0210', '2': '4761739001010010', '3': '000000', '4': '000000001000', '7': '0820130546', '11': '618160',
    '12': '150820130600', '22': '056', '24': '200', '25': '00', '37': '708981921851', '38': 'VaHYUU', '39': '000',
    '41': '00992468', '42': '000124642124643', '49': '643',
  });
  const view = toSocketQueueObject(codec.unpack(image), sv);
  assert.deepEqual(view, {
    '0': '0210', '1': image.subarray(4, 12).toString('hex'), '2': '4761739001010010', '3': 0, '4': 1000,
    '7': '0820130546', '11': '618160', '12': '150820130600', '22': '056', '24': 200, '25': 0, '37': '708981921851',
    '38': 'VaHYUU', '39': 0, '41': '00992468', '42': '000124642124643', '49': 643,
  });
  assert.deepEqual(Object.keys(view).slice(0, 3), ['0', '1', '2']);
});

test('SocketQueue view – a field above 64 sets the secondary bitmap; long digit strings stay text', () => {
  const view = toSocketQueueObject({ '0': '0800', '4': '1234567890123456', '70': '301' }, getDialect('iso87ascii'));
  assert.equal(view['1'], '9000000000000000' + '0400000000000000');
  assert.equal(view['4'], '1234567890123456');
  assert.equal(view['70'], 301);
});

test('SocketQueue view – a composite field shows its sub-fields (1 included) and header as unpack read them, no bitmap made up', () => {
  const codec = createCodec({
    name: 'composites',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '3': {
        name: 'PROCESSING CODE', type: 'n', length: 6, encoding: 'ascii',
        subfields: { fields: { '1': { name: 'TYPE', type: 'n', length: 2, encoding: 'ascii' }, '2': { name: 'FROM', type: 'n', length: 4, encoding: 'ascii' } } },
      },
      '127': {
        name: 'PRIVATE', type: 'b', length: 999, encoding: 'binary', prefix: { encoding: 'ascii', digits: 3 },
        subfields: {
          headerLength: 1,
          bitmap: { encoding: 'binary', length: 1 },
          fields: { '1': { name: 'A', type: 'an', length: 2, encoding: 'ascii' }, '7': { name: 'B', type: 'n', length: 3, encoding: 'ascii' } },
        },
      },
    },
  });
  const message = codec.unpack(codec.pack({ '0': '0200', '3': { '1': '00', '2': '1020' }, '127': { header: 'AB', '1': 'X1', '7': '042' } }));
  assert.deepEqual(toSocketQueueObject(message, codec.dialect), {
    '0': '0200', '1': 'a0000000000000000000000000000002', '3': { '1': 0, '2': 1020 }, '127': { header: 'AB', '1': 'X1', '7': 42 },
  });
});

test('SocketQueue view – with a tertiary bitmap, a field above 128 shows the three bitmaps that travelled (bit 65 announcing the third)', () => {
  const codec = createCodec({
    name: 'tertiary',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'binary', tertiary: true },
    fields: { '3': { name: 'P', type: 'n', length: 6, encoding: 'ascii' }, '150': { name: 'X', type: 'an', length: 3, encoding: 'ascii' } },
  });
  const image = codec.pack({ '0': '0200', '3': '000000', '150': 'ABC' });
  const view = toSocketQueueObject(codec.unpack(image), codec.dialect);
  assert.equal(view['1'], image.subarray(4, 28).toString('hex'));
  assert.equal(view['150'], 'ABC');
});

test('SocketQueue view – a variable-length numeric field keeps its leading zeros as text (SocketQueue\'s ll-n did)', () => {
  const codec = createCodec(sv);
  const image = codec.pack({ '0': '0210', '3': '000000', '4': '000000001000', '11': '618160', '32': '00123', '33': '0000456', '39': '000', '41': '00992468' });
  const view = toSocketQueueObject(codec.unpack(image), sv);
  assert.equal(view['32'], '00123');
  assert.equal(view['33'], '0000456');
  // Fixed-length ones are numbers, and pack back to the same digits.
  assert.equal(view['3'], 0);
  assert.equal(view['4'], 1000);
  const again = codec.unpack(codec.pack({ '0': '0400', '3': view['3'] as number, '4': view['4'] as number, '32': view['32'] as string, '11': '618160' }));
  assert.deepEqual([again['3'], again['4'], again['32']], ['000000', '000000001000', '00123']);
});
