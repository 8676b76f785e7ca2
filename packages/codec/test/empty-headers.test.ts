/**
 * No header, no allocation: a dialect without a header gives every decode the same empty `header`, and a framing
 * without fixed header bytes gives every frame the same empty `header` (two Buffers and an ArrayBuffer a transaction
 * less on the gateway's path, which the collector no longer sweeps). Where there are header bytes, they are as before:
 * a copy for a decode, a view of the bytes pushed for a frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, createCodec, dialectFromJson, encodeFrame } from '../src/index.js';

const MESSAGE = { '0': '0800', '11': '000001', '70': '301' };

test('decode: a dialect without a header gives every message the one empty header', () => {
  const codec = createCodec('iso87ascii');
  const first = codec.decode(codec.pack(MESSAGE));
  const second = codec.decode(codec.pack({ ...MESSAGE, '11': '000002' }));
  assert.equal(first.header.length, 0);
  assert.ok(Buffer.isBuffer(first.header));
  assert.equal(first.header, second.header, 'one empty Buffer, not one a decode');
});

test('decode: a dialect with a header gives each message a copy of its own', () => {
  const codec = createCodec(dialectFromJson({ name: 'hdr2', extends: 'iso87ascii', headerLength: 2, fields: {} }));
  const bytes = codec.pack(MESSAGE, { header: Buffer.from('ab12', 'hex') });
  const decoded = codec.decode(bytes);
  assert.equal(decoded.header.toString('hex'), 'ab12');
  bytes[0] = 0;
  assert.equal(decoded.header.toString('hex'), 'ab12', 'a copy: the input changed after does not change it');
  assert.notEqual(codec.decode(bytes).header, decoded.header);
});

test('FrameDecoder: frames without fixed header bytes share one empty header, across reads', () => {
  const decoder = new FrameDecoder();
  const two = Buffer.concat([encodeFrame(Buffer.from('0800a')), encodeFrame(Buffer.from('0800b'))]);
  const frames = [...decoder.push(two), ...decoder.push(encodeFrame(Buffer.from('0800c')))];
  assert.deepEqual(
    frames.map((f) => f.payload.toString()),
    ['0800a', '0800b', '0800c'],
  );
  for (const f of frames) assert.equal(f.header.length, 0);
  assert.equal(frames[0]!.header, frames[1]!.header);
  assert.equal(frames[0]!.header, frames[2]!.header);
});

test('FrameDecoder: fixed header bytes are still a view of the bytes pushed, one per frame', () => {
  const decoder = new FrameDecoder({ headerBytes: 2 });
  const chunk = Buffer.concat([
    encodeFrame(Buffer.from('0800a'), { headerBytes: 2 }, Buffer.from('0102', 'hex')),
    encodeFrame(Buffer.from('0800b'), { headerBytes: 2 }, Buffer.from('0304', 'hex')),
  ]);
  const [a, b] = decoder.push(chunk);
  assert.equal(a!.header.toString('hex'), '0102');
  assert.equal(b!.header.toString('hex'), '0304');
  assert.equal(a!.header.buffer, chunk.buffer, 'a view of the chunk, as documented');
});

test('FrameDecoder: a frame split over reads, after the held bytes were let go, is cut whole', () => {
  // The held bytes are let go (the decoder then holds none, the one empty Buffer) once a frame is cut from them.
  const decoder = new FrameDecoder();
  const frames = [encodeFrame(Buffer.from('0800first')), encodeFrame(Buffer.from('0800second')), encodeFrame(Buffer.from('0800third'))];
  const stream = Buffer.concat(frames);
  const got: string[] = [];
  for (let at = 0; at < stream.length; at += 3) for (const f of decoder.push(stream.subarray(at, at + 3))) got.push(f.payload.toString());
  assert.deepEqual(got, ['0800first', '0800second', '0800third']);
  assert.equal(decoder.bufferedBytes, 0);
});
