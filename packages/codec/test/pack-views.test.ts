/**
 * What pack returns: a Buffer viewing the codec's slab (no copy), whose bytes stay the message's after later packs,
 * a fresh slab, or a writer grown past its size (`Writer.bytes` keeps the slab's memory and offset in step with
 * every buffer the writer takes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createCodec } from '../src/index.js';

/** A purchase with test card data and a field 48 of `size` characters. */
function purchase(stan: number, size: number): Record<string, string> {
  return {
    '0': '0200',
    '2': '4111111111111111',
    '3': '000000',
    '4': '000000001000',
    '11': String(stan % 1000000).padStart(6, '0'),
    '41': '00992468',
    '48': 'A'.repeat(size),
    '49': '840',
  };
}

test('pack views – every result is a Buffer of its own message after slab turnovers and growth', () => {
  const codec = createCodec('iso87ascii');
  const fresh = createCodec('iso87ascii');
  const packed: { message: Record<string, string>; image: Buffer; copy: Buffer }[] = [];
  // Sizes that fill several 64 KiB slabs, with planned (repeated) sets of keys and messages larger than the writer's
  // first buffer in between.
  for (let i = 0; i < 400; i++) {
    const message = purchase(i, i % 50 === 49 ? 999 : 150 + (i % 7));
    const image = codec.pack(message);
    packed.push({ message, image, copy: Buffer.from(fresh.pack(message)) });
  }
  const big: Record<string, string> = { '0': '0200' };
  for (let f = 105; f <= 127; f++) big[String(f)] = 'ABCDEFGHIJ'.repeat(99);
  for (let i = 0; i < 3; i++) packed.push({ message: big, image: codec.pack(big), copy: Buffer.from(fresh.pack(big)) });
  for (let i = 0; i < 20; i++) {
    const message = purchase(i, 150);
    packed.push({ message, image: codec.pack(message), copy: Buffer.from(fresh.pack(message)) });
  }
  const slabs = new Set<ArrayBufferLike>();
  for (const { message, image, copy } of packed) {
    assert.ok(Buffer.isBuffer(image));
    assert.equal(Object.getPrototypeOf(image), Buffer.prototype);
    assert.deepEqual(image, copy);
    assert.deepEqual(codec.unpack(image), message);
    slabs.add(image.buffer);
  }
  // Views of a few slabs, not a copy each.
  assert.ok(slabs.size > 1 && slabs.size < 20, `${slabs.size} slabs`);
});

test('pack views – the compiled packer’s view is the message without a header, and no writer keeps it', () => {
  const plain = createCodec('iso87ascii');
  const withHeader = createCodec({ ...plain.dialect, headerLength: 5 });
  // Field 55 makes the plan long enough for the WebAssembly check, whose copy is made from that view.
  const messageOf = (i: number): Record<string, string> => ({ ...purchase(i + 1, 150), '55': '9F2608571F1E10D4FA4AAC'.repeat(8) });
  const header = Buffer.from('HDR01');
  const reference = createCodec('iso87ascii');
  // Each pack's image kept while the next are made (another STAN each): a view handed out is never written again.
  const kept: { image: Buffer; expected: Buffer }[] = [];
  for (let i = 0; i < 40; i++) {
    const message = messageOf(i);
    const interpreted = Buffer.from(reference.pack(message));
    const image = plain.pack(message);
    kept.push({ image, expected: interpreted });
    assert.deepEqual(image, interpreted, `pack ${i}`);
    assert.equal(Object.getPrototypeOf(image), Buffer.prototype);
    const framed = withHeader.pack(message, { header });
    assert.deepEqual(framed, Buffer.concat([header, interpreted]), `pack ${i} with a header`);
    for (const codec of [plain, withHeader]) assert.equal((codec as unknown as { writer: { packed: unknown } }).writer.packed, null);
  }
  kept.forEach(({ image, expected }, i) => assert.deepEqual(image, expected, `pack ${i}, read after every later pack`));
});
