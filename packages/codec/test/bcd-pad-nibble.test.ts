/**
 * The pad nibble of an odd number of BCD digits: pack writes the dialect's (0 or F), strict unpack refuses any other
 * (a value read with it would pack back to other bytes, breaking a MAC over them) with ISO8583_ERR_FIELD_TYPE naming
 * the field and not the value; lenient unpack takes it. The compiled unpack (after a few messages of one shape) agrees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, isIso8583Error } from '../src/index.js';
import { COMPILE_AFTER } from '../src/field/shapes.js';

/** Unpacks `img` often enough for the compiled unpack to take over, and returns what every try gave. */
function everyTry(run: () => unknown): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < COMPILE_AFTER + 2; i++) {
    try {
      out.push(run());
    } catch (err) {
      out.push(err);
    }
  }
  return out;
}

function assertPadRefused(err: unknown, field: string, value: string): void {
  assert.ok(isIso8583Error(err), String(err));
  assert.equal(err.code, 'ISO8583_ERR_FIELD_TYPE');
  assert.equal(err.field, field);
  assert.match(err.message, /pad nibble/);
  assert.doesNotMatch(err.message, new RegExp(value));
}

test('strict unpack refuses a right-justified value whose pad nibble is not the dialect 0; lenient takes it', () => {
  const c = createCodec('iso87binary');
  const good = c.pack({ 0: '0200', 3: '000000', 22: '051' });
  assert.equal(good[good.length - 2], 0x00);
  assert.deepEqual(c.unpack(good)['22'], '051');
  for (const pad of [0x10, 0x90, 0xa0, 0xf0]) {
    const img = Buffer.from(good);
    img[img.length - 2] = pad;
    for (const got of everyTry(() => c.unpack(img))) assertPadRefused(got, '22', '051');
    for (const got of everyTry(() => c.unpack(img, { lenient: true }))) assert.equal((got as Record<string, string>)['22'], '051');
  }
});

test('strict unpack refuses a left-justified LLVAR value whose pad nibble is not the dialect 0', () => {
  const c = createCodec('iso87binary');
  // Field 32 (IFB_LLNUM): left-justified, pad nibble 0 on the right.
  const good = c.pack({ 0: '0200', 3: '000000', 32: '12345' });
  assert.equal(good[good.length - 1], 0x50);
  assert.equal(c.unpack(good)['32'], '12345');
  for (const pad of [0x57, 0x5a, 0x5f]) {
    const img = Buffer.from(good);
    img[img.length - 1] = pad;
    for (const got of everyTry(() => c.unpack(img))) assertPadRefused(got, '32', '12345');
    for (const got of everyTry(() => c.unpack(img, { lenient: true }))) assert.equal((got as Record<string, string>)['32'], '12345');
  }
});

test('an F pad dialect: strict unpack refuses a 0 pad nibble and takes the F it writes', () => {
  const c = createCodec({
    name: 'pad-f',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'binary' },
    fields: {
      '3': { name: 'N', type: 'n', length: 5, encoding: 'bcd', padNibble: 'F' },
      '28': { name: 'A', type: 'xn', length: 4, encoding: 'bcd', padNibble: 'F' },
    },
  });
  const good = c.pack({ 0: '0200', 3: '12345', 28: 'C123' });
  assert.deepEqual({ ...c.unpack(good) }, { 0: '0200', 3: '12345', 28: 'C123' });
  // MTI (4) + bitmap (8): field 3 starts at 12 (F1 23 45), field 28 at 15 (C, F1 23).
  assert.equal(good[12], 0xf1);
  assert.equal(good[16], 0xf1);
  const at3 = Buffer.from(good);
  at3[12] = 0x01;
  for (const got of everyTry(() => c.unpack(at3))) assertPadRefused(got, '3', '12345');
  const at28 = Buffer.from(good);
  at28[16] = 0x01;
  for (const got of everyTry(() => c.unpack(at28))) assertPadRefused(got, '28', 'C123');
  assert.equal(c.unpack(at28, { lenient: true })['28'], 'C123');
});
