/**
 * A fixed-length text composite in ASCII (jPOS `IF_CHAR` box, padded with spaces) whose positional sub-fields are
 * not sent after the last present one (`omitTrailingAbsent`): the box's pad after the last sub-field sent ends the
 * sub-fields on unpack, so that what pack makes, unpack reads back, whatever kind of sub-field comes next.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { FieldSpec, IsoMessage } from '../src/index.js';

/** A codec whose field 127 is an `ans` 40 box of sub-fields 0 (`ans` 8), 1 (`sub1`) and 2 (`n` 4). */
function boxCodec(sub1: FieldSpec, pad?: string) {
  return createCodec({
    name: 'box',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '3': { name: 'p', type: 'n', length: 6, encoding: 'ascii' },
      '127': {
        name: 'c',
        type: 'ans',
        length: 40,
        encoding: 'ascii',
        ...(pad === undefined ? {} : { pad: { char: pad, side: 'right' as const } }),
        subfields: {
          omitTrailingAbsent: true,
          fields: {
            '0': { name: 'a', type: 'ans', length: 8, encoding: 'ascii' },
            '1': sub1,
            '2': { name: 'c', type: 'n', length: 4, encoding: 'ascii' },
          },
        },
      },
    },
  });
}

/** The four kinds of sub-field 1 that came after the pad, and a present value of each. */
const KINDS: [string, FieldSpec, string][] = [
  ['binary LL, max 40', { name: 'b', type: 'ans', length: 40, encoding: 'ascii', prefix: { encoding: 'binary', digits: 1 } }, 'AB C'],
  ['binary LL, max 8', { name: 'b', type: 'ans', length: 8, encoding: 'ascii', prefix: { encoding: 'binary', digits: 1 } }, 'AB C'],
  ['ASCII LL', { name: 'b', type: 'ans', length: 20, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } }, 'AB C'],
  ['fixed ans 8', { name: 'b', type: 'ans', length: 8, encoding: 'ascii' }, 'AB C    '],
];

for (const [kind, sub1, value] of KINDS) {
  test(`composite – IF_CHAR box with omitTrailingAbsent, sub-field 1 ${kind}: pack then unpack gives the message back`, () => {
    const codec = boxCodec(sub1);
    const values: Record<string, string>[] = [
      {},
      { '0': 'TERM0001' },
      { '0': 'TERM    ' },
      { '0': 'TERM0001', '1': value },
      { '0': 'TERM0001', '1': value, '2': '1234' },
    ];
    for (const box of values) {
      const message: IsoMessage = { '0': '0200', '3': '000000', '127': box };
      const image = codec.pack(message);
      // MTI, two hex bitmaps, field 3, the box.
      assert.equal(image.length, 4 + 32 + 6 + 40, JSON.stringify(box));
      assert.deepEqual(codec.unpack(image), message, JSON.stringify(box));
      assert.deepEqual(codec.pack(codec.unpack(image)), image, JSON.stringify(box));
    }
  });
}

// A pad other than a space would take a trailing sub-field made of it for the pad: sub-field 2 (n 4) of 0000 in a box
// padded with "0" read back as absent (an amount of 0 lost). Refused when the codec is made, naming the option.
for (const pad of ['0', '*']) {
  test(`composite – IF_CHAR box padded with ${JSON.stringify(pad)}: omitTrailingAbsent refused at createCodec`, () => {
    assert.throws(() => boxCodec(KINDS[2]![1], pad), (err: Error & { code?: string; problems?: { field: string; reason: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
      assert.deepEqual(err.problems?.map((p) => p.field), ['fields.127.subfields.omitTrailingAbsent']);
      const reason = err.problems?.[0]?.reason ?? '';
      assert.ok(reason.includes(`padded with ${JSON.stringify(pad)}`) && reason.includes('read back as absent'), reason);
      return true;
    });
  });
}

test('composite – IF_CHAR box padded with spaces (its pad given as " ") keeps omitTrailingAbsent; a sub-field of zeros reads back', () => {
  const codec = boxCodec(KINDS[2]![1], ' ');
  const message: IsoMessage = { '0': '0200', '3': '000000', '127': { '0': 'TERM0001', '1': '', '2': '0000' } };
  assert.deepEqual(codec.unpack(codec.pack(message)), message);
});

test('composite – IF_CHAR box with omitTrailingAbsent: a trailing sub-field all of the pad is the pad (read as absent)', () => {
  const codec = boxCodec(KINDS[3]![1]);
  const blank = codec.pack({ '0': '0200', '3': '000000', '127': { '0': 'TERM0001', '1': '        ' } });
  // The same bytes as the sub-field left out: the wire cannot tell them apart.
  assert.deepEqual(blank, codec.pack({ '0': '0200', '3': '000000', '127': { '0': 'TERM0001' } }));
  assert.deepEqual(codec.unpack(blank)['127'], { '0': 'TERM0001' });
  // Bytes other than the pad after the last sub-field are still refused.
  const text = blank.toString('latin1');
  const stray = Buffer.from(`${text.slice(0, -1)}X`, 'latin1');
  assert.throws(() => codec.unpack(stray), { code: 'ISO8583_ERR_FIELD_TYPE' });
});
