/**
 * Long and short values are checked alike. A value of more than about 20 characters is checked by a regular
 * expression of its type and copied by one native call (`field/charset.ts`, `field/ascii-text.ts`), a short one
 * character by character: for every text type and every Latin-1 character (and some that are not Latin-1), at the
 * start, the middle and the end of values of lengths on both sides of those limits, pack and unpack accept exactly
 * what the short value is accepted with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldType } from '../src/index.js';
import { oneFieldCodec, readFieldHex } from './field-support.js';

/** A character of each type that is always allowed, to fill the rest of the value. */
const FILL: Partial<Record<FieldType, string>> = { n: '0', a: 'A', an: 'A', ans: 'A', as: 'A', ns: '0', anp: 'A', z: '0' };

/** Lengths around the limits of the string check (20) and of the native copy (32), and well past them. */
const LENGTHS = [3, 20, 21, 32, 33, 130];

const WIDE = ['\u0100', '\u20ac', '\ud800', '\uffff'];

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? 'thrown';
  }
}

for (const [type, fill] of Object.entries(FILL) as [FieldType, string][]) {
  test(`pack and unpack – type ${type}: every character is accepted or refused the same in short and long values`, () => {
    const codec = oneFieldCodec({ type, length: 999, prefix: { encoding: 'ascii', digits: 3 } });
    const chars: string[] = [];
    for (let c = 0; c < 256; c++) chars.push(String.fromCharCode(c));
    chars.push(...WIDE);
    for (const ch of chars) {
      const expected = outcome(() => codec.pack({ '0': '0200', '2': ch }));
      for (const length of LENGTHS) {
        for (const at of [0, length >> 1, length - 1]) {
          const value = fill.repeat(at) + ch + fill.repeat(length - at - 1);
          const label = `type ${type}, char 0x${ch.charCodeAt(0).toString(16)}, length ${length}, at ${at}`;
          const packed = outcome(() => codec.pack({ '0': '0200', '2': value }));
          assert.equal(packed, expected, `pack: ${label}`);
          if (expected === 'ok') {
            assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': value }))['2'], value, `round trip: ${label}`);
          }
          if (ch.charCodeAt(0) > 0xff) continue;
          const hex = Buffer.from(String(length).padStart(3, '0') + value, 'latin1').toString('hex');
          const read = outcome(() => readFieldHex(codec, hex));
          assert.equal(read, expected === 'ok' ? 'ok' : 'ISO8583_ERR_FIELD_TYPE', `unpack: ${label}`);
        }
      }
    }
  });
}
