// What a FrameDecoder tells its owner about an incomplete frame (bufferedBytes, partialFrameSize): what a read timeout
// reports when a peer announces a length and never sends the frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame } from '../src/index.js';

test('partialFrameSize – the announced size of the incomplete frame, once its length header is read', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'binary2' });
  assert.equal(decoder.partialFrameSize, undefined);
  assert.deepEqual(decoder.push(Buffer.from([0xea])), []);
  assert.equal(decoder.partialFrameSize, undefined, 'half a length header: the size is not known yet');
  assert.equal(decoder.bufferedBytes, 1);
  assert.deepEqual(decoder.push(Buffer.from([0x60])), []);
  assert.equal(decoder.partialFrameSize, 60_002, 'a bogus header: 60000 bytes announced (plus the 2-byte header)');
  assert.equal(decoder.bufferedBytes, 2);
  decoder.push(Buffer.alloc(1000, 0x30));
  assert.equal(decoder.partialFrameSize, 60_002);
  assert.equal(decoder.bufferedBytes, 1002);
});

test('partialFrameSize – undefined once the frame completes; set again for the next incomplete one', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
  const a = encodeFrame(Buffer.from('0800ABCD'), { lengthHeader: 'ascii4' });
  const b = encodeFrame(Buffer.from('0810ABCDEF'), { lengthHeader: 'ascii4' });
  assert.equal(decoder.push(a.subarray(0, 6)).length, 0);
  assert.equal(decoder.partialFrameSize, a.length);
  const frames = decoder.push(Buffer.concat([a.subarray(6), b.subarray(0, 5)]));
  assert.equal(frames.length, 1);
  assert.equal(decoder.partialFrameSize, b.length);
  assert.equal(decoder.bufferedBytes, 5);
  assert.equal(decoder.push(b.subarray(5)).length, 1);
  assert.equal(decoder.partialFrameSize, undefined);
  assert.equal(decoder.bufferedBytes, 0);
});

test('partialFrameSize – unknown with no length header (the stream is cut by measure)', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'none', measure: (bytes) => (bytes.length >= 8 ? 8 : undefined) });
  assert.deepEqual(decoder.push(Buffer.from('0800')), []);
  assert.equal(decoder.bufferedBytes, 4);
  assert.equal(decoder.partialFrameSize, undefined);
});
