// MessageStream: any number of frames, cut into reads anywhere, arrive whole and in order; the writes of one tick
// tell the writer to wait once they pass the high-water mark; a frame left incomplete at the end is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { MessageStream, createCodec, encodeFrame } from '../src/index.js';
import type { FramingOptions } from '../src/index.js';

const codec = createCodec('iso87ascii');

const framingArbitrary: fc.Arbitrary<FramingOptions> = fc.record({
  lengthHeader: fc.constantFrom('binary2' as const, 'binary4' as const, 'bcd2' as const, 'ascii4' as const),
  headerBytes: fc.constantFrom(0, 5),
});

/** Cuts `bytes` at the given points (taken modulo its length). */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % bytes.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const end of [...at, bytes.length]) {
    if (end > start) pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}

test('MessageStream – frames cut into random reads arrive whole, in order, with their fixed headers', async () => {
  await fc.assert(
    fc.asyncProperty(
      framingArbitrary,
      fc.array(fc.integer({ min: 1, max: 999999 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      async (framing, stans, points) => {
        const wire = new PassThrough();
        const got: string[] = [];
        const headers: string[] = [];
        let left = -1;
        new MessageStream(wire, { framing, codec }, {
          frame: (frame) => {
            got.push(String(codec.unpack(frame.payload)['11']));
            headers.push(Buffer.from(frame.header).toString('hex'));
          },
          ended: (bufferedBytes) => (left = bufferedBytes),
        });
        const header = Buffer.alloc(framing.headerBytes ?? 0, 0x60);
        const stream = Buffer.concat(
          stans.map((stan) => encodeFrame(codec.pack({ 0: '0800', 11: String(stan).padStart(6, '0'), 70: '301' }), framing, header)),
        );
        const ended = once(wire, 'end');
        for (const piece of cut(stream, points)) wire.write(piece);
        wire.end();
        await ended;
        assert.deepEqual(got, stans.map((stan) => String(stan).padStart(6, '0')));
        assert.ok(headers.every((h) => h === header.toString('hex')));
        assert.equal(left, 0, 'nothing left over');
      },
    ),
    propertyRuns(200, 10),
  );
});

test('MessageStream – ended reports the bytes of a frame left incomplete', async () => {
  const wire = new PassThrough();
  let left = -1;
  new MessageStream(wire, {}, { frame: () => undefined, ended: (bufferedBytes) => (left = bufferedBytes) });
  const ended = once(wire, 'end');
  wire.end(Buffer.from([0x00, 0x34, 0x30, 0x38]));
  await ended;
  assert.equal(left, 4);
});

test('MessageStream – write returns false once the frames queued in one tick pass the high-water mark', async (t) => {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const socket = connect((listener.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  const [peer] = await accepted;
  t.after(() => {
    socket.destroy();
    peer.destroy();
    listener.close();
  });
  peer.resume();
  let drained: () => void = () => undefined;
  const drainedOnce = new Promise<void>((resolve) => (drained = resolve));
  const stream = new MessageStream(socket, {}, { frame: () => undefined, drained: () => drained() });
  const frame = Buffer.alloc(socket.writableHighWaterMark / 4);
  const answers = [1, 2, 3, 4, 5].map(() => stream.write(frame));
  assert.deepEqual(answers, [true, true, true, false, false], 'the high-water mark queued in one tick: wait');
  await drainedOnce;
  assert.equal(stream.write(frame), true, 'after drained, writes go on');
});
