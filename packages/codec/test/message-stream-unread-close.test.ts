// A socket closed while bytes its peer sent wait unread in the kernel is reset, and the reset throws away what the
// kernel still had to send: frames the kernel took (their writes called back, or counted delivered at the destroy)
// would never reach the peer, and never be reported `dropped`. A MessageStream whose reading is paused (the owner's
// back-pressure: a client that does not read its replies but goes on sending) reads out and throws away what waits
// before it closes, so that what the kernel took still reaches the peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BURST, frameNumbers, socketPair, writeBurst } from './stream-support.js';
import { MessageStream } from '../src/index.js';



test('MessageStream – destroyed while paused with bytes the peer sent unread: no reset, each frame got by the peer or dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.pause();
  client.pause();
  // The peer sends far more than the stream reads ahead while paused: most of it waits unread in the kernel.
  const sent = new Promise<void>((resolve, reject) => client.write(Buffer.alloc(1024 * 1024), (err) => (err ? reject(err) : resolve())));
  await sent;
  const { count, size } = BURST;
  const dropped = writeBurst(stream);
  assert.ok(server.writableLength > size, 'the frames are partly pending');
  assert.equal(stream.writable, true);
  stream.destroy();
  assert.equal(stream.writable, false, 'a destroyed stream takes no more frames');
  assert.equal(stream.write(Buffer.from([0, 0, 0, 0])), false);
  await once(server, 'close');
  // The peer reads all that reached it, now that the stream is closed.
  const received: Buffer[] = [];
  let reset: string | undefined;
  client.on('data', (chunk: Buffer) => received.push(chunk));
  client.on('error', (err: NodeJS.ErrnoException) => (reset = err.code));
  const closed = once(client, 'close');
  client.resume();
  await closed;
  const got = frameNumbers(Buffer.concat(received));
  assert.equal(reset, undefined, 'the connection was not reset');
  assert.ok(got.size > 0 && got.size < count, `the peer got some of the frames, not all (${got.size} of ${count})`);
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});

test('MessageStream – destroyed while reading (not paused): closed at once, as before', async (t) => {
  const { server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.resume();
  stream.destroy();
  assert.equal(server.destroyed, true);
  await once(server, 'close');
});
