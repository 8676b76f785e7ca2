// An owner that can take only a few frames now (`want`) and pauses holds the rest of a read as its bytes: a paused
// connection sent 64 KB of 28-byte frames holds at most that read, not 2,340 Frame objects (about 6 times the bytes).
// The frames held come later, in order, through `takeHeld` or the resume; a FIN after them reports no partial frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { MessageStream, createCodec, encodeFrame } from '../src/index.js';
import type { Frame } from '../src/index.js';
import { socketPair } from './stream-support.js';

const codec = createCodec('iso87ascii');
const stanOf = (f: Frame): string => codec.decode(f.payload).message['11'] as string;

test('message stream – an owner that wants one frame holds the rest of the read as bytes, then gets them in order', async (t) => {
  const { client, server } = await socketPair(t);
  const count = 2000;
  const frames = Array.from({ length: count }, (_, i) => encodeFrame(codec.pack({ 0: '0800', 11: String(i + 1).padStart(6, '0') })));
  const got: string[] = [];
  let room = 1;
  let firstCame!: () => void;
  const first = new Promise<void>((resolve) => (firstCame = resolve));
  let endedWith!: (left: number) => void;
  const ended = new Promise<number>((resolve) => (endedWith = resolve));
  const stream: MessageStream = new MessageStream(server, { framing: {} }, {
    frame: (f) => {
      got.push(stanOf(f));
      room--;
      if (room === 0) stream.pause();
      firstCame();
    },
    want: () => room,
    ended: (left) => endedWith(left),
  });
  server.resume();
  client.write(Buffer.concat(frames));
  await within(first, 5_000, 'no frame');
  assert.deepEqual(got, ['000001'], 'one frame handed over: the one there was room for');
  assert.equal(stream.holdsFrames, true);
  // What is held is bytes: at most the reads that came before the pause (the socket is paused), no frame objects.
  assert.ok(stream.bufferedBytes <= 65536 && stream.bufferedBytes >= frames[0]!.length, `held ${stream.bufferedBytes} bytes`);
  const held = stream.bufferedBytes;
  // Taken a few at a time while paused: in order, nothing read meanwhile.
  room = 3;
  for (const f of stream.takeHeld(3)) got.push(stanOf(f));
  assert.deepEqual(got, ['000001', '000002', '000003', '000004']);
  assert.equal(stream.bufferedBytes, held - 3 * frames[0]!.length);
  // The resume hands over what is held, then reads on; the peer's FIN after the last frame leaves no partial frame.
  room = Infinity;
  stream.resume();
  client.end();
  assert.equal(await within(ended, 5_000, 'no end'), 0);
  assert.deepEqual(got, frames.map((_, i) => String(i + 1).padStart(6, '0')));
});
