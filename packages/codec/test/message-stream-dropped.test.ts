// A frame queued on a MessageStream that never reaches the socket (the stream destroyed or closed before the tick's
// write, or a write the kernel refuses because the peer has reset the connection) has its `dropped` callback called,
// once: how the inbound endpoint learns that a reply never left (an approval to reverse). A frame written is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BURST, frameNumbers, socketPair, writeBurst } from './stream-support.js';
import { MessageStream, encodeFrame } from '../src/index.js';

const FRAME = encodeFrame(Buffer.from('0210'), { lengthHeader: 'binary2' });

test('MessageStream – a frame queued, then the stream destroyed before its write: dropped is called once', async (t) => {
  const { server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  let dropped = 0;
  assert.equal(stream.write(FRAME, () => dropped++), true);
  stream.destroy();
  await once(server, 'close');
  assert.equal(dropped, 1);
});

test('MessageStream – a frame written to a peer that has reset the connection: dropped is called once', async (t) => {
  const { client, server } = await socketPair(t);
  const closed = once(client, 'close');
  client.resetAndDestroy();
  await closed;
  // The server side has not read since: the reset shows only when it writes.
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  const dropped = new Promise<void>((resolve) => stream.write(FRAME, resolve));
  await dropped;
  await once(server, 'close');
});

test('MessageStream – a frame written is not dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  let dropped = 0;
  const got = once(client, 'data');
  stream.write(FRAME, () => dropped++);
  assert.deepEqual((await got)[0], FRAME);
  stream.destroy();
  await once(server, 'close');
  assert.equal(dropped, 0);
});

test('MessageStream – a frame caught mid-write (the peer reads nothing, the kernel buffers are full) when the socket is destroyed: dropped is called once', async (t) => {
  const { server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  let dropped = 0;
  // Far more than the socket buffers hold: most of it is still pending in the socket when it is destroyed.
  stream.write(Buffer.alloc(32 * 1024 * 1024), () => dropped++);
  stream.flush();
  assert.ok(server.writableLength > 0, 'the write is pending');
  server.destroy();
  await once(server, 'close');
  assert.equal(dropped, 1);
});

test('MessageStream – a frame the socket took whole, then the socket destroyed in the same tick (before the write\'s callback): not dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  let dropped = 0;
  const got = once(client, 'data');
  stream.write(FRAME, () => dropped++);
  stream.flush();
  assert.equal(server.writableLength, 0, 'the kernel has the bytes');
  server.destroy();
  await once(server, 'close');
  assert.deepEqual((await got)[0], FRAME, 'the peer got the frame');
  assert.equal(dropped, 0);
});

test('MessageStream – destroyed with a write of many frames part taken by the kernel and a write without callbacks behind it: only the frames the peer never gets are dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  // 400 frames of 64 KiB queued in one tick: one write, far more than the socket buffers hold, so the kernel takes
  // its first frames whole and the rest waits in the socket. Behind it, a frame without a `dropped` callback (an
  // endpoint's own answer, a response code 30): a write the stream does not watch, still pending at the destroy.
  const { count, size } = BURST;
  const dropped = writeBurst(stream);
  stream.write(FRAME);
  stream.flush();
  assert.ok(server.writableLength > size + FRAME.length, 'the frames are partly pending');
  // The peer reads nothing until the close: a peer that reads would get the write under way whole (the read-out
  // before the close lets it go on: unread-close.ts), and none would be dropped.
  client.pause();
  stream.destroy();
  await once(server, 'close');
  // The peer now reads all the kernel took (nothing left unread on the server side: no reset).
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = once(client, 'close');
  client.resume();
  await closed;
  const bytes = Buffer.concat(received);
  const got = frameNumbers(bytes);
  assert.ok(got.size > 0 && got.size < count, `the peer got some of the frames, not all (${got.size} of ${count})`);
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});
