// A reader that cannot start every frame of a read at once takes them a few at a time (`push(chunk, max)`, `pull`):
// the rest stays held as the bytes that came, not cut into a Frame object each. A paused connection that was sent
// 64 KB of 28-byte frames used to hold 2,340 frames (about 6 times the bytes); now it holds the bytes. Cutting lazily
// gives the same frames in the same order as cutting at once, whatever the reads and the batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { FrameDecoder, Iso8583Error, createCodec, encodeFrame } from '../src/index.js';
import type { Frame, FramingOptions } from '../src/index.js';

const FRAMING = fc.record({
  lengthHeader: fc.constantFrom('binary2' as const, 'binary4' as const, 'bcd2' as const, 'ascii4' as const),
  lengthIncludesHeader: fc.boolean(),
  headerBytes: fc.constantFrom(0, 5),
});

const hex = (frames: readonly Frame[]): string[] => frames.map((f) => `${f.header.toString('hex')}:${f.payload.toString('hex')}@${f.offset}`);

/** Every frame of `chunks`, cut at once (the reference), or in batches of `batches` (cycled), pulling between reads. */
function cut(options: FramingOptions, chunks: Buffer[], batches?: number[]): { frames: string[]; error?: string; keepAlives: number } {
  const decoder = new FrameDecoder(options);
  const frames: Frame[] = [];
  let turn = 0;
  const max = (): number => (batches === undefined ? Infinity : batches[turn++ % batches.length]!);
  try {
    for (const chunk of chunks) {
      frames.push(...decoder.push(chunk, max()));
      // Sometimes a read comes before every held frame was taken (the bytes are joined), sometimes not.
      if (batches !== undefined && turn % 2 === 0) continue;
      for (let got = decoder.pull(max()); got.length > 0; got = decoder.pull(max())) frames.push(...got);
    }
    for (let got = decoder.pull(max()); got.length > 0; got = decoder.pull(max())) frames.push(...got);
    assert.equal(decoder.holdsFrames, false);
  } catch (err) {
    if (!(err instanceof Iso8583Error)) throw err;
    // The whole frames the failing push or pull cut before the bad header (a push that threw returned none).
    frames.push(...decoder.framesBeforeFailure);
    return { frames: hex(frames), error: err.code, keepAlives: decoder.keepAlives };
  }
  return { frames: hex(frames), keepAlives: decoder.keepAlives };
}

test('lazy cutting – the frames, their order and offsets, and the failure are those of cutting at once', () => {
  fc.assert(
    fc.property(
      FRAMING,
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 12 }),
      fc.array(fc.nat(5), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.uint8Array({ maxLength: 8 }),
      (options, payloads, cuts, batches, garbage) => {
        const header = options.headerBytes === 0 ? undefined : Buffer.alloc(options.headerBytes, 0x60);
        const stream = Buffer.concat([
          ...payloads.map((p) => (p.length === 0 ? Buffer.alloc(options.lengthHeader.endsWith('4') ? 4 : 2, options.lengthHeader === 'ascii4' ? 0x30 : 0) : encodeFrame(Buffer.concat([Buffer.from([1]), p]), options, header))),
          Buffer.from(garbage),
        ]);
        const points = [...new Set(cuts.map((c) => Math.floor((c / 5) * stream.length)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          if (p > last) chunks.push(stream.subarray(last, p));
          last = Math.max(last, p);
        }
        assert.deepEqual(cut(options, chunks, batches), cut(options, chunks));
      },
    ),
    propertyRuns(1500),
  );
});

test('lazy cutting – a read of 2,340 tiny frames taken one at a time holds its bytes, not frames', () => {
  const codec = createCodec('iso87ascii');
  const one = encodeFrame(codec.pack({ 0: '0800', 11: '000001' }));
  const count = Math.floor(65536 / one.length);
  const decoder = new FrameDecoder({});
  const first = decoder.push(Buffer.concat(Array.from({ length: count }, () => one)), 1);
  assert.equal(first.length, 1, 'one frame cut: the one asked for');
  assert.equal(decoder.holdsFrames, true);
  assert.equal(decoder.bufferedBytes, (count - 1) * one.length, 'the rest held as the bytes that came');
  assert.equal(decoder.heldTail(), 0, 'no partial frame in what is held');
  assert.equal(decoder.frames, 1, 'and not cut: heldTail counts without cutting');
  assert.equal(decoder.pull(32).length, 32);
  assert.equal(decoder.frames, 33);
  let left = 0;
  for (let got = decoder.pull(100); got.length > 0; got = decoder.pull(100)) left += got.length;
  assert.equal(left, count - 33);
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.holdsFrames, false);
});

test('lazy cutting – heldTail counts the partial frame after the whole ones held', () => {
  const one = encodeFrame(Buffer.from('0800abcdef'));
  const decoder = new FrameDecoder({});
  decoder.push(Buffer.concat([one, one, one, one.subarray(0, 5)]), 1);
  assert.equal(decoder.heldTail(), 5);
  assert.equal(decoder.pull().length, 2, 'the whole ones are still there');
  assert.equal(decoder.bufferedBytes, 5);
});
