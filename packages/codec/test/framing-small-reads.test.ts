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

/** An 0200 with an LLLVAR field 48 and fields 120 to 127 of the given lengths (0: absent). */
function bigMessage(codec: ReturnType<typeof createCodec>, stan: number, lengths: readonly number[]): Buffer {
  const message: Record<string, string> = { 0: '0200', 2: '4761739001010010', 3: '310000', 11: String(stan).padStart(6, '0'), 41: 'T1' };
  ['48', '120', '121', '122', '123', '124', '125', '126', '127'].forEach((field, i) => {
    const length = lengths[i] ?? 0;
    if (length > 0) message[field] = 'A'.repeat(length);
  });
  return codec.pack(message);
}

test('no length header – a codec\'s measure is asked about once per field, not once per read, for a frame fed a byte at a time', () => {
  const codec = createCodec('iso87ascii');
  const image = bigMessage(codec, 1, Array(9).fill(999));
  let calls = 0;
  const decoder = new FrameDecoder({
    lengthHeader: 'none',
    measure: (bytes) => {
      calls++;
      return codec.measure(bytes);
    },
  });
  const frames = [];
  for (let i = 0; i < image.length; i++) frames.push(...decoder.push(image.subarray(i, i + 1)));
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.payload.equals(image));
  // Before: one call per read (about 9000 here). Now: the bitmaps byte by byte, then a few per field.
  assert.ok(calls < 200, `measure asked ${calls} times for a frame of ${image.length} bytes`);
});

test('no length header – with a codec\'s measure, each frame comes out of the very read that brings its last byte', () => {
  const codec = createCodec('iso87ascii');
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 9, maxLength: 9 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 50 }),
      (messages, steps) => {
        const images = messages.map((lengths, i) => bigMessage(codec, i + 1, lengths));
        const ends: number[] = [];
        let end = 0;
        for (const image of images) ends.push((end += image.length));
        const stream = Buffer.concat(images);
        const decoder = new FrameDecoder({ lengthHeader: 'none', measure: (bytes) => codec.measure(bytes) });
        const frames = [];
        for (let pos = 0, i = 0; pos < stream.length; i++) {
          const next = Math.min(stream.length, pos + steps[i % steps.length]!);
          frames.push(...decoder.push(stream.subarray(pos, next)));
          pos = next;
          assert.equal(frames.length, ends.filter((e) => e <= pos).length, `after ${pos} bytes`);
        }
        frames.forEach((frame, i) => assert.ok(frame.payload.equals(images[i]!)));
        assert.equal(decoder.bufferedBytes, 0);
      },
    ),
    propertyRuns(100),
  );
});
