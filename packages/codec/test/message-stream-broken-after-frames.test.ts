// Whole frames that come in the same read as broken framing (good requests, then a bad length header) are the owner's:
// handed over before `broken`, never thrown away with the bad bytes (a request with no reply, counted nowhere). The
// same for the frames an owner took later (`takeHeld`, the resume) or let go (`dropHeld` counts them). Real sockets:
// the bytes are written at once, before the reading side resumes, so that they come in one read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { MessageStream, createCodec, encodeFrame } from '../src/index.js';
import type { Frame, Iso8583Error } from '../src/index.js';
import { socketPair } from './stream-support.js';

const codec = createCodec('iso87ascii');
const framing = { maxFrameSize: 4096 };
const stanOf = (f: Frame): string => codec.decode(f.payload).message['11'] as string;
const frameOf = (stan: number): Buffer => encodeFrame(codec.pack({ 0: '0800', 11: String(stan).padStart(6, '0') }), framing);
/** A length header announcing 65535 bytes, over `maxFrameSize`: broken framing. */
const BAD = Buffer.from([0xff, 0xff, 0x30, 0x32]);

/** Writes `bytes` in one write and waits until the kernel has them, so that the paused reader gets them in one read. */
async function writeAll(client: Socket, bytes: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => client.write(bytes, (err) => (err ? reject(err) : resolve())));
}

test('message stream – whole frames before broken framing in the same read are handed over, then broken', async (t) => {
  const { client, server } = await socketPair(t);
  const events: string[] = [];
  let reported!: (err: Iso8583Error) => void;
  const broken = new Promise<Iso8583Error>((resolve) => (reported = resolve));
  new MessageStream(server, { framing }, {
    frame: (f) => events.push(stanOf(f)),
    broken: (err) => {
      events.push('broken');
      reported(err);
    },
  });
  await writeAll(client, Buffer.concat([frameOf(1), frameOf(2), BAD]));
  server.resume();
  const err = await within(broken, 5_000, 'broken framing not reported');
  assert.equal(err.code, 'ISO8583_ERR_FRAME_LENGTH');
  assert.deepEqual(events, ['000001', '000002', 'broken'], 'both requests handed over, before broken');
});

test('message stream – an owner that takes one frame a time gets the frames held before broken framing (takeHeld, resume)', async (t) => {
  const { client, server } = await socketPair(t);
  const events: string[] = [];
  let reported!: () => void;
  const broken = new Promise<void>((resolve) => (reported = resolve));
  let firstCame!: () => void;
  const first = new Promise<void>((resolve) => (firstCame = resolve));
  let room = 1;
  const stream: MessageStream = new MessageStream(server, { framing }, {
    frame: (f) => {
      events.push(stanOf(f));
      if (--room === 0) stream.pause();
      firstCame();
    },
    want: () => room,
    broken: () => {
      events.push('broken');
      reported();
    },
  });
  await writeAll(client, Buffer.concat([frameOf(1), frameOf(2), frameOf(3), BAD]));
  server.resume();
  await within(first, 5_000, 'no frame');
  assert.deepEqual(events, ['000001']);
  const taken = stream.takeHeld(1).map(stanOf);
  assert.deepEqual(taken, ['000002'], 'takeHeld: the next whole frame');
  events.push(...taken);
  // The last whole frame comes with the bad bytes: returned, and broken reported after (a microtask later).
  const last = stream.takeHeld(5).map(stanOf);
  assert.deepEqual(last, ['000003'], 'the whole frame before the bad bytes is returned');
  events.push(...last);
  await within(broken, 5_000, 'broken framing not reported');
  assert.deepEqual(events, ['000001', '000002', '000003', 'broken']);

  // The resume path: the same, delivered through `frame`.
  const second = await socketPair(t);
  const got: string[] = [];
  let reportedAgain!: () => void;
  const brokenAgain = new Promise<void>((resolve) => (reportedAgain = resolve));
  let n = 0;
  let paused!: () => void;
  const pausedOnce = new Promise<void>((resolve) => (paused = resolve));
  const again: MessageStream = new MessageStream(second.server, { framing }, {
    frame: (f) => {
      got.push(stanOf(f));
      if (++n === 1) {
        again.pause();
        paused();
      }
    },
    want: () => 1,
    broken: () => {
      got.push('broken');
      reportedAgain();
    },
  });
  await writeAll(second.client, Buffer.concat([frameOf(1), frameOf(2), frameOf(3), BAD]));
  second.server.resume();
  await within(pausedOnce, 5_000, 'no frame');
  again.resume();
  await within(brokenAgain, 5_000, 'broken framing not reported');
  assert.deepEqual(got, ['000001', '000002', '000003', 'broken']);
});

test('message stream – dropHeld counts the whole frames held before broken framing', async (t) => {
  const { client, server } = await socketPair(t);
  let firstCame!: () => void;
  const first = new Promise<void>((resolve) => (firstCame = resolve));
  const stream: MessageStream = new MessageStream(server, { framing }, {
    frame: () => {
      stream.pause();
      firstCame();
    },
    want: () => 1,
    broken: () => undefined,
  });
  await writeAll(client, Buffer.concat([frameOf(1), frameOf(2), frameOf(3), BAD]));
  server.resume();
  await within(first, 5_000, 'no frame');
  assert.equal(stream.dropHeld(), 2, 'the two whole frames held are let go and counted');
  assert.equal(stream.dropHeld(), 0, 'counted once');
  stream.destroy();
  await once(server, 'close');
});
