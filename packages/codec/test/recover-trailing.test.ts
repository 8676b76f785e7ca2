// recoverFields with bytes after the last field (ISO8583_ERR_TRAILING_BYTES): by default the fields before the first
// variable-length one (a prefix one digit too long ends so too); with `trailing: 'whole'` every field the decode read
// (for a caller that only looks a key up: the connector).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, recoverFields } from '../src/index.js';
import type { Iso8583Error } from '../src/index.js';

const codec = createCodec('iso87ascii');
const answer = { 0: '0210', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000123', 39: '00', 41: 'TERM0001' };

function failure(bytes: Buffer): Iso8583Error {
  try {
    codec.unpack(bytes);
  } catch (err) {
    return err as Iso8583Error;
  }
  assert.fail('the image was expected not to decode');
}

test('recover – bytes after the last field: the certain fields by default, every field with trailing "whole"', () => {
  const image = Buffer.concat([Buffer.from(codec.pack(answer)), Buffer.from('0000')]);
  const err = failure(image);
  assert.equal(err.code, 'ISO8583_ERR_TRAILING_BYTES');
  assert.deepEqual(recoverFields(codec, image, err.field), { 0: '0210' });
  assert.deepEqual(recoverFields(codec, image, err.field, { trailing: 'certain' }), { 0: '0210' });
  assert.deepEqual(recoverFields(codec, image, err.field, { trailing: 'whole' }), answer);
});

test('recover – trailing "whole" changes nothing when the decode fails before the end', () => {
  const image = Buffer.from(codec.pack(answer));
  const at = image.indexOf('16' + answer[2], 0, 'latin1');
  image.write('99', at, 'latin1');
  const err = failure(image);
  assert.deepEqual(recoverFields(codec, image, err.field, { trailing: 'whole' }), { 0: '0210' });
});
