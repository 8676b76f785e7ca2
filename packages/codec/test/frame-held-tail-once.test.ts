// A peer that ends its side behind whole frames held (an owner that took fewer: `push` with a `max`) has its partial
// frame found once: `heldTail()` (what the stream's `ended` reports) and `partialFrameSize` (what the inbound
// connection's log line names) read one look-ahead over the frames held, not one each (each cuts every frame held).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, createCodec, encodeFrame } from '../src/index.js';

test('frame decoder – the held tail is looked ahead once for heldTail() and partialFrameSize, again only after a push or pull', () => {
  const codec = createCodec('iso87ascii');
  let measured = 0;
  const decoder = new FrameDecoder({ lengthHeader: 'none', measure: (bytes) => {
    measured++;
    return codec.measure(bytes);
  } });
  const framing = { lengthHeader: 'none' } as const;
  const frames = Array.from({ length: 50 }, (_, i) => encodeFrame(codec.pack({ 0: '0800', 11: String(i + 1).padStart(6, '0'), 70: '301' }), framing));
  const partial = (frames[0] as Buffer).subarray(0, 10);
  assert.equal(decoder.push(Buffer.concat([...frames, partial]), 1).length, 1);
  assert.equal(decoder.holdsFrames, true);
  const before = measured;
  const left = decoder.heldTail();
  const onePass = measured - before;
  assert.ok(onePass >= 49, `the look-ahead measured the frames held (${onePass})`);
  assert.equal(left, partial.length, 'the partial frame\'s bytes');
  // What the inbound connection logs next: the same pass's answer (before: a second pass, as many measures again).
  assert.equal(decoder.partialFrameSize, undefined, 'the start of an 0800 whose size cannot be told yet');
  decoder.heldTail();
  assert.equal(measured - before, onePass, 'one look-ahead, not one per question');
  // After a pull the bytes held changed: the next question looks again.
  assert.equal(decoder.pull(1).length, 1);
  const afterPull = measured;
  assert.equal(decoder.heldTail(), partial.length);
  assert.ok(measured > afterPull, 'looked again after the pull');
  // The frames held are still all there, in order.
  assert.equal(decoder.pull().length, 48);
  assert.equal(decoder.bufferedBytes, partial.length);
});
