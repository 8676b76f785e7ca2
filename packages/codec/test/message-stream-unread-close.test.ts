// A socket closed while bytes its peer sent wait unread in the kernel is reset, and the reset throws away what the
// kernel still had to send: frames the kernel took (their writes called back, or counted delivered at the destroy)
// would never reach the peer, and never be reported `dropped`. A MessageStream whose reading is paused (the owner's
// back-pressure: a client that does not read its replies but goes on sending) reads out and throws away what waits
// before it closes (half-closed first, until the peer ends or nothing more comes: unread-close.ts), so that what the
// kernel took still reaches the peer.
//
// A peer reading with Node.js does not always see such a reset: libuv reports the hang-up after a short read as the end
// of the stream, so the peer gets the bytes its kernel had, then 'end', no error. The count of frames (each got by the
// peer or reported dropped) is what proves no frame was lost; the reset is checked too, for when it does surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BURST, frameNumbers, socketPair, stallEventLoop, writeBurst } from './stream-support.js';
import { MessageStream } from '../src/index.js';
import { UNREAD_LIMIT, UNREAD_TURNS, readOutThenClose } from '../src/stream/unread-close.js';

/**
 * Destroys a paused stream whose peer sent 1 MiB it never read, with a burst of frames partly pending, `stall` run
 * right after the destroy (`made` is given the stream first); then checks that each frame was got by the peer or
 * reported dropped, never both.
 */
async function destroyPausedWithUnread(
  t: { after(fn: () => unknown): void },
  stall: () => void,
  made: (stream: MessageStream) => void = () => undefined,
): Promise<void> {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  made(stream);
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
  stall();
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
}

test('MessageStream – destroyed while paused with bytes the peer sent unread: no reset, each frame got by the peer or dropped', async (t) => {
  await destroyPausedWithUnread(t, () => undefined);
});

test('MessageStream – destroyed while paused, its event loop then stalled (a loaded machine): still read out whole, no frame lost', async (t) => {
  // A turn of the event loop on a loaded machine can take longer than any wall-clock wait: the read-out is counted in
  // what the peer sends, so a stall before its first poll changes nothing.
  await destroyPausedWithUnread(t, () => stallEventLoop(400));
});

test('MessageStream – destroyed twice while paused: the second call leaves the read-out to finish, no frame lost', async (t) => {
  // The owner and its pool may both destroy a stream: the second call must not close the socket with bytes unread.
  let stream: MessageStream | undefined;
  await destroyPausedWithUnread(t, () => stream?.destroy(), (s) => (stream = s));
});

test('MessageStream – destroyed while reading (flowing) with bytes the peer sent unread: read out, no reset, each frame got by the peer or dropped', async (t) => {
  // A flowing socket is not read out by its reads alone: a read takes what one poll brings, the kernel may hold more (a
  // peer still sending). Closed at once, it was reset, and the frames its kernel took lost: so it is read out too.
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  client.pause();
  let reset: string | undefined;
  client.on('error', (err: NodeJS.ErrnoException) => (reset = err.code));
  // The peer sends far more than one read takes, and does not read until the stream is closed.
  const sent = new Promise<void>((resolve) => client.write(Buffer.alloc(8 * 1024 * 1024), () => resolve()));
  const firstRead = once(server, 'data');
  stream.resume();
  await firstRead;
  assert.equal(server.readableFlowing, true, 'the socket is flowing');
  const { count } = BURST;
  const dropped = writeBurst(stream);
  stream.destroy();
  assert.equal(stream.writable, false, 'a destroyed stream takes no more frames');
  await once(server, 'close');
  await sent;
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const ended = new Promise<boolean>((resolve) => {
    client.once('end', () => resolve(true));
    client.once('close', () => resolve(false));
  });
  const closed = once(client, 'close');
  client.resume();
  const sawEnd = await ended;
  await closed;
  const got = frameNumbers(Buffer.concat(received));
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
  assert.equal(reset, undefined, 'the connection was not reset');
  assert.equal(sawEnd, true, 'the peer saw the end (FIN)');
});

test('MessageStream – destroyed while reading (flowing) with nothing unread: closed once nothing more comes', async (t) => {
  const { server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.resume();
  stream.destroy();
  assert.equal(stream.writable, false);
  await once(server, 'close');
});

/** A socket whose peer sent 1 MiB it never read, read out by `readOutThenClose` within `bounds`: what `close` got. */
async function readOut(t: { after(fn: () => unknown): void }, bounds?: { bytes: number; turns: number }): Promise<{ readOut: boolean; bytes: number }> {
  const { client, server } = await socketPair(t);
  await new Promise<void>((resolve, reject) => client.write(Buffer.alloc(1024 * 1024), (err) => (err ? reject(err) : resolve())));
  let bytes = 0;
  server.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const closed = new Promise<boolean>((resolve) =>
    readOutThenClose(
      server,
      () => bytes,
      (whole) => {
        server.destroy();
        resolve(whole);
      },
      bounds,
    ),
  );
  return { readOut: await closed, bytes };
}

test('readOutThenClose – reads out all the peer sent, however long it takes, then closes as read out', async (t) => {
  assert.ok(UNREAD_LIMIT > 1024 * 1024 && UNREAD_TURNS > 2);
  const { readOut: whole, bytes } = await readOut(t);
  assert.equal(whole, true);
  assert.equal(bytes, 1024 * 1024);
});

test('readOutThenClose – a peer that keeps sending cannot hold the close open: cut short by bytes, then by turns, and told so', async (t) => {
  const byBytes = await readOut(t, { bytes: 64 * 1024, turns: UNREAD_TURNS });
  assert.equal(byBytes.readOut, false, 'cut short after the bytes bound');
  assert.ok(byBytes.bytes >= 64 * 1024 && byBytes.bytes < 1024 * 1024, `${byBytes.bytes} bytes read out`);
  const byTurns = await readOut(t, { bytes: UNREAD_LIMIT, turns: 1 });
  assert.equal(byTurns.readOut, false, 'cut short after the turns bound');
});
