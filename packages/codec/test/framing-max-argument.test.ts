// How many frames a reader can take now (`FrameDecoder.push(chunk, max)`, `pull(max)`, `MessageStream.takeHeld(max)`,
// a stream owner's `want()`) is a whole number or Infinity. NaN compared false with every count, so it was read as
// "all": an owner's arithmetic gone wrong (undefined - 1) silently took every frame, past its own limits. Refused now,
// with the codec's option error naming the argument; 0 still cuts one frame a read, as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FrameDecoder, Iso8583Error, MessageStream, encodeFrame } from '../src/index.js';
import { socketPair } from './stream-support.js';

const three = Buffer.concat([1, 2, 3].map((i) => encodeFrame(Buffer.from([i]), { lengthHeader: 'binary2' })));
const optionError = (field: string) => (err: unknown) => err instanceof Iso8583Error && err.code === 'ISO8583_ERR_OPTION' && err.field === field;

test('FrameDecoder – push and pull refuse a max that is not a whole number (NaN, a fraction, negative, not a number), naming it', () => {
  for (const max of [NaN, 1.5, -1, -Infinity, '2' as unknown as number, null as unknown as number]) {
    const decoder = new FrameDecoder({ lengthHeader: 'binary2' });
    assert.throws(() => decoder.push(three, max), optionError('max'), `push max ${String(max)}`);
    // Refused before anything was taken: the decoder still cuts the bytes.
    assert.equal(decoder.push(three, 1).length, 1);
    assert.throws(() => decoder.pull(max), optionError('max'), `pull max ${String(max)}`);
    assert.equal(decoder.pull().length, 2);
  }
});

test('FrameDecoder – a whole max is taken as before: 0 cuts one frame a push, Infinity all', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'binary2' });
  assert.equal(decoder.push(three, 0).length, 1);
  assert.equal(decoder.pull(Infinity).length, 2);
  assert.equal(decoder.push(three).length, 3);
});

test('MessageStream – takeHeld refuses a max that is not a whole number, naming it; the stream goes on', async (t) => {
  const { client, server } = await socketPair(t);
  let came!: () => void;
  const first = new Promise<void>((resolve) => (came = resolve));
  const stream: MessageStream = new MessageStream(server, { framing: { lengthHeader: 'binary2' } }, {
    frame: () => {
      stream.pause();
      came();
    },
    want: () => 1,
  });
  server.resume();
  client.write(three);
  await within(first, 5_000, 'no frame');
  assert.equal(stream.holdsFrames, true);
  assert.throws(() => stream.takeHeld(NaN), optionError('max'));
  assert.equal(stream.takeHeld(2).length, 2, 'the frames held are still there');
});

test('MessageStream – a want() that answers NaN breaks the stream with the option error naming want, no frame handed over', async (t) => {
  const { client, server } = await socketPair(t);
  const got: number[] = [];
  let brokenWith!: (err: Iso8583Error) => void;
  const broken = new Promise<Iso8583Error>((resolve) => (brokenWith = resolve));
  const stream = new MessageStream(server, { framing: { lengthHeader: 'binary2' } }, {
    frame: (f) => got.push(f.payload[0]!),
    want: () => NaN,
    broken: (err) => brokenWith(err),
  });
  stream.resume();
  client.write(three);
  const err = await within(broken, 5_000, 'not broken');
  assert.ok(optionError('want')(err), `${err.code} ${String(err.field)}: ${err.message}`);
  assert.deepEqual(got, []);
  stream.destroy();
});
