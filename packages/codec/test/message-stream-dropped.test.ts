// A frame queued on a MessageStream that never reaches the socket (the stream destroyed or closed before the tick's
// write, or a write the kernel refuses because the peer has reset the connection) has its `dropped` callback called,
// once: how the inbound endpoint learns that a reply never left (an approval to reverse). A frame written is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { MessageStream, encodeFrame } from '../src/index.js';

const FRAME = encodeFrame(Buffer.from('0210'), { lengthHeader: 'binary2' });

/** A connected pair of TCP sockets on 127.0.0.1; the server side reads nothing until a stream is made on it. */
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

test('MessageStream – a frame queued, then the stream destroyed before its write: dropped is called once', async (t) => {
  const { server } = await pair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  let dropped = 0;
  assert.equal(stream.write(FRAME, () => dropped++), true);
  stream.destroy();
  await once(server, 'close');
  assert.equal(dropped, 1);
});

test('MessageStream – a frame written to a peer that has reset the connection: dropped is called once', async (t) => {
  const { client, server } = await pair(t);
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
  const { client, server } = await pair(t);
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
  const { server } = await pair(t);
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
  const { client, server } = await pair(t);
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
