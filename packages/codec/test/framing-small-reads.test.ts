// A frame that arrives in many small reads costs time linear in its size: with no length header, `measure` is not
// asked again once it has told the length, and the bytes held are never joined again on every read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { FrameDecoder, createCodec, encodeFrame } from '../src/index.js';

/** A stand-in for a codec's measure: a 2-byte length at the start of the message. Counts the bytes it is shown. */
function countingMeasure(): { measure: (bytes: Uint8Array) => number | undefined; seen: () => number } {
  let seen = 0;
  return {
    measure: (bytes) => {
      seen += bytes.length;
      return bytes.length < 2 ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, 2).readUInt16BE(0) + 2;
    },
    seen: () => seen,
  };
}

test('no length header – measure sees O(n) bytes for a frame of n bytes fed in reads of 1 to 8 bytes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2000, max: 60000 }), fc.integer({ min: 1, max: 8 }), (n, step) => {
      const counter = countingMeasure();
      const decoder = new FrameDecoder({ lengthHeader: 'none', measure: counter.measure });
      const frame = Buffer.alloc(n, 0x41);
      frame.writeUInt16BE(n - 2, 0);
      const got = [];
      for (let i = 0; i < n; i += step) got.push(...decoder.push(frame.subarray(i, i + step)));
      assert.equal(got.length, 1);
      assert.ok(got[0]!.payload.equals(frame));
      assert.equal(decoder.bufferedBytes, 0);
      // Before: measure saw every held byte again on every read, about n * n / (2 * step) bytes.
      assert.ok(counter.seen() <= 8 * n, `measure saw ${counter.seen()} bytes for a frame of ${n}`);
    }),
    propertyRuns(20),
  );
});

test('no length header – once measure has told the length, partialFrameSize is the frame size', () => {
  const counter = countingMeasure();
  const decoder = new FrameDecoder({ lengthHeader: 'none', measure: counter.measure });
  decoder.push(Buffer.from([0x00]));
  assert.equal(decoder.partialFrameSize, undefined, 'half the length: measure cannot tell yet');
  decoder.push(Buffer.from([0x0a, 0x41]));
  assert.equal(decoder.partialFrameSize, 12);
  assert.equal(decoder.bufferedBytes, 3);
});

test('frames cut from bytes held across reads keep their bytes after later reads', () => {
  const codec = createCodec('iso87ascii');
  const images = [1, 2, 3].map((stan) => codec.pack({ 0: '0800', 11: String(stan).padStart(6, '0'), 70: '301' }));
  const stream = Buffer.concat(images.map((image) => encodeFrame(image, { lengthHeader: 'binary2' })));
  const decoder = new FrameDecoder({ lengthHeader: 'binary2' });
  const frames = [];
  for (let i = 0; i < stream.length; i += 3) frames.push(...decoder.push(Buffer.from(stream.subarray(i, i + 3))));
  assert.deepEqual(
    frames.map((f) => codec.unpack(f.payload)['11']),
    ['000001', '000002', '000003'],
  );
});
