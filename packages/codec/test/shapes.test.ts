/**
 * Message shapes (`field/shapes.ts`): an unpack clones the object of the bitmap it read and walks the fields the
 * bitmap marks, worked out once per bitmap. Every message is still an object of its own, exactly the fields of its
 * bitmap; a bitmap that fails is never remembered; more bitmaps than the cache holds still decode right. Also the
 * range checks of the two commonest types (`n`, `ans`) on both sides of each bound, short and long values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';
import { HEAD, oneFieldCodec, readFieldHex } from './field-support.js';

const codec = createCodec('iso87ascii');

/** A deterministic pseudo-random sequence (xorshift32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Fixed-length `n` fields of iso87ascii across the primary and secondary bitmaps. */
const N_FIELDS = [3, 4, 7, 11, 12, 13, 18, 22, 25, 26, 70, 90, 98, 128].filter(
  (n) => codec.dialect.fields[n]?.type === 'n' && codec.dialect.fields[n]?.prefix === undefined,
);

function messageOf(fields: number[], seed: number): Record<string, string> {
  const message: Record<string, string> = { '0': '0200' };
  for (const n of fields) {
    const length = codec.dialect.fields[n]!.length;
    message[n] = String((seed * 7919 + n) % 10 ** Math.min(length, 9)).padStart(length, '0');
  }
  return message;
}

test('unpack – two messages with the same bitmap are separate objects with their own values', () => {
  const first = codec.unpack(codec.pack({ '0': '0200', '3': '000000', '11': '000001' }));
  const second = codec.unpack(codec.pack({ '0': '0200', '3': '300000', '11': '000002' }));
  assert.notEqual(first, second);
  first['3'] = 'changed';
  delete first['11'];
  assert.deepStrictEqual(second, { '0': '0200', '3': '300000', '11': '000002' });
  assert.equal(Object.getPrototypeOf(second), Object.prototype);
  assert.deepStrictEqual(Object.keys(second), ['0', '3', '11']);
  // And the next one of that bitmap is not touched by what was done to the first.
  assert.deepStrictEqual(codec.unpack(codec.pack({ '0': '0210', '3': '000000', '11': '000003' })), {
    '0': '0210',
    '3': '000000',
    '11': '000003',
  });
});

test('unpack – more distinct bitmaps than the cache holds all decode to exactly their fields, in any order', () => {
  const next = random(0x8583);
  const cases: { image: Buffer; message: Record<string, string> }[] = [];
  const seen = new Set<string>();
  while (cases.length < 300) {
    const fields = N_FIELDS.filter(() => next() < 0.5);
    const key = fields.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const message = messageOf(fields, cases.length);
    cases.push({ image: codec.pack(message), message });
  }
  for (let round = 0; round < 3; round++) {
    // Forward, backward, then shuffled: every case meets a cache filled by the others.
    const order = cases.map((_, i) => i);
    if (round === 1) order.reverse();
    if (round === 2) order.sort(() => next() - 0.5);
    for (const i of order) {
      const { image, message } = cases[i]!;
      assert.deepStrictEqual(codec.unpack(image), message, `bitmap of fields ${Object.keys(message).join(',')}`);
    }
  }
});

test('unpack – bitmaps that differ only in the secondary bitmap give different fields', () => {
  const a = { '0': '0800', '11': '000001', '70': '001' };
  // Field 128 (MAC) is b 8: 16 hex characters.
  const b = { '0': '0800', '11': '000001', '70': '001', '128': '0123456789ABCDEF' };
  const c = { '0': '0800', '11': '000001' };
  for (let i = 0; i < 2; i++) {
    for (const m of [a, b, c]) assert.deepStrictEqual(codec.unpack(codec.pack(m)), m);
  }
});

test('unpack – a bitmap marking a field the dialect lacks is refused every time (never remembered)', () => {
  const dialect: Dialect = {
    name: 'sparse',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '3': { name: 'PROCESSING CODE', type: 'n', length: 6, encoding: 'ascii' } },
  };
  const sparse = createCodec(dialect);
  // Bits 3 and 4 set; field 4 is not in the dialect.
  const image = Buffer.from('0200300000000000000000000000000000001000', 'latin1');
  for (let i = 0; i < 3; i++) {
    assert.throws(() => sparse.unpack(image), { code: 'ISO8583_ERR_BITMAP' });
  }
  assert.deepStrictEqual(sparse.unpack(Buffer.from('02002000000000000000000000', 'latin1')), { '0': '0200', '3': '000000' });
});

test('unpack – a field refused halfway leaves nothing behind for the next message of that bitmap', () => {
  const good = codec.pack({ '0': '0200', '3': '000000', '4': '000000001000', '11': '000001' });
  const bad = Buffer.from(good);
  bad[HEAD + 6 + 3] = 0x41; // a letter inside field 4 (n 12)
  assert.throws(() => codec.unpack(bad), { code: 'ISO8583_ERR_FIELD_TYPE' });
  const back = codec.unpack(good) as IsoMessage;
  assert.deepStrictEqual(back, { '0': '0200', '3': '000000', '4': '000000001000', '11': '000001' });
});

test('pack and unpack – type n: the characters next to 0 and 9 are refused, short and long values', () => {
  for (const length of [6, 40]) {
    const codec = oneFieldCodec({ type: 'n', length, prefix: { encoding: 'ascii', digits: 2 } });
    const digits = '0123456789'.repeat(4).slice(0, length);
    assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': digits }))['2'], digits);
    for (const c of ['/', ':', ' ', '\u0130', '\u00b9']) {
      const value = c + digits.slice(1);
      assert.throws(() => codec.pack({ '0': '0200', '2': value }), { code: 'ISO8583_ERR_INVALID_MESSAGE' }, `pack ${length} ${c}`);
      if (c.charCodeAt(0) > 0xff) continue;
      const hex = Buffer.from(String(length).padStart(2, '0') + value, 'latin1').toString('hex');
      assert.throws(() => readFieldHex(codec, hex), { code: 'ISO8583_ERR_FIELD_TYPE' }, `unpack ${length} ${c}`);
    }
  }
});

test('pack and unpack – type ans: control characters and 0x7F-0x9F are refused, space, ~ and 0xA0-0xFF kept', () => {
  for (const length of [8, 60]) {
    const codec = oneFieldCodec({ type: 'ans', length, prefix: { encoding: 'ascii', digits: 2 } });
    const fill = 'A'.repeat(length - 1);
    for (const c of [' ', '~', '\u00a0', '\u00ff', '!']) {
      const value = fill + c;
      assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': value }))['2'], value, `${length} ${c.charCodeAt(0)}`);
    }
    for (const c of ['\u001f', '\u007f', '\u0080', '\u009f', '\u0100', '\u20ac']) {
      const value = fill + c;
      assert.throws(() => codec.pack({ '0': '0200', '2': value }), { code: 'ISO8583_ERR_INVALID_MESSAGE' }, `pack ${length} ${c.charCodeAt(0)}`);
      if (c.charCodeAt(0) > 0xff) continue;
      const hex = Buffer.from(String(length).padStart(2, '0') + value, 'latin1').toString('hex');
      assert.throws(() => readFieldHex(codec, hex), { code: 'ISO8583_ERR_FIELD_TYPE' }, `unpack ${length} ${c.charCodeAt(0)}`);
    }
  }
});
