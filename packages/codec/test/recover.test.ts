// recoverFields: what a receiver can still read from a message that does not decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, recoverFields } from '../src/index.js';
import type { Iso8583Error } from '../src/index.js';

const codec = createCodec('iso87ascii');
const purchase = { 0: '0200', 3: '000000', 4: '000000001000', 11: '000123', 35: '4111111111111111=30121010000000000', 41: 'TERM0001' };

function failure(bytes: Buffer): Iso8583Error {
  try {
    codec.unpack(bytes);
  } catch (err) {
    return err as Iso8583Error;
  }
  assert.fail('the image was expected not to decode');
}

test('recover – a character outside the field type: the lenient decode gives every field back', () => {
  const image = Buffer.from(codec.pack(purchase));
  const at = image.indexOf('000000001000');
  image.write('00000000A000', at, 'latin1');
  const err = failure(image);
  assert.equal(err.field, '4');
  const recovered = recoverFields(codec, image, err.field);
  assert.equal(recovered?.['0'], '0200');
  assert.equal(recovered?.['11'], '000123');
  assert.equal(recovered?.['41'], 'TERM0001');
});

test('recover – a length over the maximum: the MTI and the fields before the broken one', () => {
  const image = Buffer.from(codec.pack(purchase));
  const track = purchase[35];
  const at = image.indexOf(String(track.length) + track, 0, 'latin1');
  assert.ok(at > 0);
  image.write('99', at, 'latin1');
  const err = failure(image);
  assert.equal(err.field, '35');
  const recovered = recoverFields(codec, image, err.field);
  assert.deepEqual(recovered, { 0: '0200', 3: '000000', 4: '000000001000', 11: '000123' });
});

test('recover – bytes that are not an MTI give nothing', () => {
  assert.equal(recoverFields(codec, Buffer.from('02X0'), undefined), undefined);
  assert.equal(recoverFields(codec, Buffer.from('02'), undefined), undefined);
});

test('recover – a readable MTI with a broken bitmap gives the MTI alone', () => {
  const image = Buffer.from('0800ZZZZZZZZZZZZZZZZ', 'latin1');
  const err = failure(image);
  assert.deepEqual(recoverFields(codec, image, err.field), { 0: '0800' });
});
