/**
 * The compile budget of a layout (`COMPILE_BUDGET` in `shapes.ts`) can be spent by a peer: a stream cycling through
 * more bitmaps than the cache holds (`SLOTS`, 64) has shapes evicted and made again, and each made again is compiled
 * again once read often. Once the budget is spent every bitmap, old or new, is read by the interpreter: the same
 * messages, and the same coded errors for broken images, as a codec that never compiled anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Codec } from '../src/index.js';
import { COMPILE_AFTER } from '../src/field/shapes.js';
import type { Shapes } from '../src/field/shapes.js';
import { unpackOutcome } from './unpack-outcome.js';

/** Fixed-length numeric fields of iso87ascii: each non-empty subset of them is a bitmap of its own (511). */
const FIELDS = [3, 4, 7, 11, 12, 13, 18, 22, 25];

/** Reads of one bitmap in a row: enough to have it compiled while the budget lasts. */
const IN_A_ROW = COMPILE_AFTER + 2;

/** The message of subset `set` of {@link FIELDS}, with values that differ from set to set. */
function messageOf(codec: Codec, set: number): Record<string, string> {
  const message: Record<string, string> = { '0': '0200' };
  FIELDS.forEach((n, i) => {
    const length = codec.dialect.fields[n]!.length;
    if ((set & (1 << i)) !== 0) message[n] = String((set * 7919 + n) % 10 ** length).padStart(length, '0');
  });
  return message;
}

/** The layout's shape cache (internal: to tell whether the budget is spent). */
function shapesOf(codec: Codec): Shapes {
  return (codec as unknown as { layout: { shapes: Shapes } }).layout.shapes;
}

test('unpack – a stream cycling through more bitmaps than the cache holds spends the compile budget, and is still read right', () => {
  const codec = createCodec('iso87ascii');
  const sets = Array.from({ length: (1 << FIELDS.length) - 1 }, (_, i) => i + 1);
  const images = sets.map((set) => ({ set, message: messageOf(codec, set), bytes: codec.pack(messageOf(codec, set)) }));
  // Each bitmap read often in a row, one after the other: each is compiled until the budget runs out.
  for (const { set, message, bytes } of images) {
    for (let i = 0; i < IN_A_ROW; i++) assert.deepEqual(codec.unpack(bytes), message, `set ${set}, read ${i}`);
  }
  assert.equal(shapesOf(codec).mayCompile(), false, 'the budget is spent');
  // Cycled again (every shape was evicted and is made again, never compiled now): every message right, keys ascending.
  for (let round = 0; round < 2; round++) {
    for (const { set, message, bytes } of images) {
      for (let i = 0; i < IN_A_ROW; i++) {
        const read = codec.unpack(bytes);
        assert.deepEqual(read, message, `round ${round}, set ${set}`);
        assert.deepEqual(Object.keys(read), Object.keys(message), `round ${round}, set ${set}: keys in order`);
      }
    }
  }
});

test('unpack – once the compile budget is spent, broken images give the errors a codec that never compiled gives', () => {
  const codec = createCodec('iso87ascii');
  const images = Array.from({ length: (1 << FIELDS.length) - 1 }, (_, i) => codec.pack(messageOf(codec, i + 1)));
  for (const bytes of images) for (let i = 0; i < IN_A_ROW; i++) codec.unpack(bytes);
  assert.equal(shapesOf(codec).mayCompile(), false, 'the budget is spent');
  // Bytes that break each kind of check: control, letter, space, DEL, Latin-1; every 37th image, every byte.
  let reference = createCodec('iso87ascii');
  let uses = 0;
  for (let k = 0; k < images.length; k += 37) {
    const bytes = images[k]!;
    for (let at = 0; at < bytes.length; at++) {
      for (const b of [0x00, 0x41, 0x20, 0x7f, 0xe9]) {
        if (bytes[at] === b) continue;
        const broken = Buffer.from(bytes);
        broken[at] = b;
        // A fresh reference before it could compile a bitmap itself.
        if (++uses === COMPILE_AFTER - 1) {
          reference = createCodec('iso87ascii');
          uses = 0;
        }
        assert.deepEqual(unpackOutcome(codec, broken), unpackOutcome(reference, broken), `image ${k}: byte ${at} set to ${b}`);
      }
    }
    for (let end = 0; end < bytes.length; end++) {
      const cut = bytes.subarray(0, end);
      assert.deepEqual(unpackOutcome(codec, cut), unpackOutcome(createCodec('iso87ascii'), cut), `image ${k}: cut at ${end}`);
    }
  }
});
