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

// A terminal that sends a variable-length field with a prefix one digit too long ("016" + PAN to an LLVAR field 2):
// field 2 is read as "6" and every later field from the PAN's digits, the message ending in bytes left over. Such
// fields are never given back: only the MTI and the fields before the first variable-length field.
const PAN = '4761739001010119';
const TRACK2 = `${PAN}=30121010000012345`;

/** `message` packed, with the LLVAR prefix of `value` written with one more digit (`16` -> `016`). */
function lllPrefixed(message: Record<string, string>, value: string): Buffer {
  const text = codec.pack(message).toString('latin1');
  const llvar = String(value.length).padStart(2, '0') + value;
  assert.ok(text.includes(llvar));
  return Buffer.from(text.replace(llvar, '0' + llvar), 'latin1');
}

/** Every run of 7 digits of `digits`: a value holding one shows more of it than first 6 / last 4. */
function sevenDigitRuns(digits: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + 7 <= digits.length; i++) runs.push(digits.slice(i, i + 7));
  return runs;
}

test('recover – a PAN sent with a 3-digit prefix to an LLVAR field 2: the MTI alone, no field read from the PAN', () => {
  const image = lllPrefixed({ 0: '0200', 2: PAN, 11: '000002', 41: 'TERM0001' }, PAN);
  const err = failure(image);
  assert.equal(err.code, 'ISO8583_ERR_TRAILING_BYTES');
  const recovered = recoverFields(codec, image, err.field);
  assert.deepEqual(recovered, { 0: '0200' });
});

test('recover – track 2 sent with a 3-digit prefix: the fixed fields before it, none after it', () => {
  const message = { 0: '0200', 3: '000000', 4: '000000001000', 11: '000002', 35: TRACK2, 41: 'TERM0001', 42: 'MERCHANT0000001' };
  const image = lllPrefixed(message, TRACK2);
  const err = failure(image);
  const recovered = recoverFields(codec, image, err.field);
  assert.deepEqual(recovered, { 0: '0200', 3: '000000', 4: '000000001000', 11: '000002' });
  const text = JSON.stringify(recovered);
  for (const run of sevenDigitRuns(PAN + '30121010000012345')) assert.ok(!text.includes(run), `${run} in ${text}`);
});

test('recover – a length fault after a variable-length field: only the fields before that field', () => {
  // The failing field's prefix may itself be bytes that a misread earlier prefix (field 2's) put in its place: from
  // the image alone the two cannot be told apart, so nothing after field 2 is given back.
  const message = { 0: '0200', 2: PAN, 3: '000000', 4: '000000001000', 11: '000002', 35: TRACK2, 41: 'TERM0001' };
  const image = Buffer.from(codec.pack(message));
  const at = image.indexOf(String(TRACK2.length) + TRACK2, 0, 'latin1');
  image.write('99', at, 'latin1');
  const err = failure(image);
  assert.equal(err.field, '35');
  assert.deepEqual(recoverFields(codec, image, err.field), { 0: '0200' });
});

test('recover – bytes after a message of fixed-length fields only: every field (their places are certain)', () => {
  const image = Buffer.concat([codec.pack({ 0: '0800', 7: '1206001500', 11: '000009', 70: '301' }), Buffer.from('XYZ')]);
  const err = failure(image);
  assert.equal(err.code, 'ISO8583_ERR_TRAILING_BYTES');
  assert.deepEqual(recoverFields(codec, image, err.field), { 0: '0800', 7: '1206001500', 11: '000009', 70: '301' });
});
