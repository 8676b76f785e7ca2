// A socket closed while bytes its peer sent wait unread in the kernel is reset, and the reset throws away what the
// kernel still had to send: frames the kernel took (their writes called back, or counted delivered at the destroy)
// would never reach the peer, and never be reported `dropped`. A MessageStream whose reading is paused (the owner's
// back-pressure: a client that does not read its replies but goes on sending) reads out and throws away what waits
// before it closes, so that what the kernel took still reaches the peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { MessageStream, encodeFrame } from '../src/index.js';

/** A connected pair of TCP sockets on 127.0.0.1. */
async function pair(t: { after(fn: () => unknown): void }): Promise<{ client: Socket; server: Socket }> {
  const listener: Server = createServer({ pauseOnConnect: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  client.on('error', () => undefined);
  await once(client, 'connect');
  const [server] = await accepted;
  server.on('error', () => undefined);
  t.after(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { client, server };
}

/** The numbers (first 4 bytes of the payload) of the whole `binary4` frames in `bytes`. */
function numbers(bytes: Buffer): Set<number> {
  const got = new Set<number>();
  for (let at = 0; at + 4 <= bytes.length; at += 4 + bytes.readUInt32BE(at)) {
    if (at + 4 + bytes.readUInt32BE(at) > bytes.length) break;
    got.add(bytes.readUInt32BE(at + 4));
  }
  return got;
}

test('MessageStream – destroyed while paused with bytes the peer sent unread: no reset, each frame got by the peer or dropped', async (t) => {
  const { client, server } = await pair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.pause();
  client.pause();
  // The peer sends far more than the stream reads ahead while paused: most of it waits unread in the kernel.
  const sent = new Promise<void>((resolve, reject) => client.write(Buffer.alloc(1024 * 1024), (err) => (err ? reject(err) : resolve())));
  await sent;
  const count = 400;
  const size = 64 * 1024;
  const dropped = new Set<number>();
  for (let i = 0; i < count; i++) {
    const payload = Buffer.alloc(size - 4, 0x41);
    payload.writeUInt32BE(i, 0);
    stream.write(encodeFrame(payload, { lengthHeader: 'binary4' }), () => dropped.add(i));
  }
  stream.flush();
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
  const got = numbers(Buffer.concat(received));
  assert.equal(reset, undefined, 'the connection was not reset');
  assert.ok(got.size > 0 && got.size < count, `the peer got some of the frames, not all (${got.size} of ${count})`);
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});

test('MessageStream – destroyed while reading (not paused): closed at once, as before', async (t) => {
  const { server } = await pair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.resume();
  stream.destroy();
  assert.equal(server.destroyed, true);
  await once(server, 'close');
});
