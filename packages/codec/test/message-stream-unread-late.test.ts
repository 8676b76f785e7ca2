// A read-out before a close (unread-close.ts) on a loaded machine: a poll of the event loop can bring nothing while the
// peer's bytes are still on their way (its kernel held back by the receive window the read-out just opened, delivered
// late). Closed then, the socket gets them after its close and is reset: what its kernel had taken and not yet sent is
// thrown away, frames counted delivered that the peer never gets. The read it is given here lags: its first polls bring
// nothing while the peer sends more, as the loaded machine's did; the close must still come only once all is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { BURST, frameNumbers, socketPair, writeBurst } from './stream-support.js';
import { MessageStream } from '../src/index.js';
import { readOutThenClose } from '../src/stream/unread-close.js';
import { unsentBytes } from '../src/stream/watched-writes.js';

test('readOutThenClose – polls that bring nothing while the peer still sends (a loaded machine): closed only once all is read, what the kernel took reaches the peer', async (t) => {
  const { client, server } = await socketPair(t);
  client.pause();
  let reset: string | undefined;
  client.on('error', (err: NodeJS.ErrnoException) => (reset = err.code));
  // The peer does not read: far more than the kernels take stays pending, the rest waits in the kernel for the peer.
  const written = 8 * 1024 * 1024;
  server.write(Buffer.alloc(written, 0x41));
  assert.ok(server.writableLength > 0, 'a write is pending');
  // The peer's first bytes wait unread (reading paused since the connect).
  await new Promise<void>((resolve, reject) => client.write(Buffer.alloc(1024 * 1024), (err) => (err ? reject(err) : resolve())));
  const late = 256 * 1024;
  let bytes = 0;
  server.on('data', (chunk: Buffer) => (bytes += chunk.length));
  let calls = 0;
  // The first three polls bring nothing (the kernel is late); during the third the peer sends more.
  const read = (): number => {
    calls += 1;
    if (calls === 3) client.write(Buffer.alloc(late));
    return calls <= 3 ? 0 : bytes;
  };
  const closed = new Promise<{ readOut: boolean; bytes: number; taken: number }>((resolve) =>
    readOutThenClose(server, read, (readOut) => {
      // What the kernel took of the write: all written less what had not reached it.
      const taken = written - (unsentBytes(server) ?? written);
      server.destroy();
      resolve({ readOut, bytes, taken });
    }),
  );
  const at = await closed;
  assert.equal(at.readOut, true, 'read out, not cut short');
  assert.equal(at.bytes, 1024 * 1024 + late, 'the close came once all the peer sent was read');
  // The peer reads what reached it: all that the kernel had taken, no reset.
  let got = 0;
  client.on('data', (chunk: Buffer) => (got += chunk.length));
  const ended = once(client, 'close');
  client.resume();
  await ended;
  assert.equal(reset, undefined, 'the connection was not reset');
  assert.ok(at.taken > 0, 'the kernel had taken some of the write');
  assert.ok(got >= at.taken, `the peer got all the kernel had taken (${got} of ${at.taken})`);
});

/** Resolves after `n` turns of the event loop (each a check phase: the polls between them read what came). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test('MessageStream – destroyed while paused, the peer\'s bytes coming in bursts a few turns apart: read out to the last, no reset, each frame got or dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.pause();
  client.pause();
  let reset: string | undefined;
  client.on('error', (err: NodeJS.ErrnoException) => (reset = err.code));
  await new Promise<void>((resolve, reject) => client.write(Buffer.alloc(256 * 1024), (err) => (err ? reject(err) : resolve())));
  const { count } = BURST;
  const dropped = writeBurst(stream);
  assert.ok(server.writableLength > 0, 'the frames are partly pending');
  let closed = false;
  server.once('close', () => (closed = true));
  stream.destroy();
  // The peer's bytes arrive in bursts with turns between them that bring nothing, as from a loaded machine's kernel.
  for (let burst = 0; burst < 8 && !closed; burst++) {
    await turns(6);
    client.write(Buffer.alloc(64 * 1024));
  }
  assert.equal(closed, false, 'not closed while the peer was still sending');
  if (!closed) await once(server, 'close');
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const ended = once(client, 'close');
  client.resume();
  await ended;
  const got = frameNumbers(Buffer.concat(received));
  assert.equal(reset, undefined, 'the connection was not reset');
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});

test('MessageStream – destroyed with a write under way to a peer that reads: the FIN follows it, the peer ends, the close comes at its end', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  stream.resume();
  const { count } = BURST;
  const dropped = writeBurst(stream);
  assert.ok(server.writableLength > 0, 'the frames are partly pending');
  let peerEnded = false;
  server.once('end', () => (peerEnded = true));
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const sawEnd = new Promise<boolean>((resolve) => {
    client.once('end', () => resolve(true));
    client.once('close', () => resolve(false));
  });
  const serverClosed = once(server, 'close');
  stream.destroy();
  assert.equal(await sawEnd, true, 'the peer saw the FIN');
  await serverClosed;
  assert.equal(peerEnded, true, 'the peer ended its side (answering the FIN) before the close');
  const got = frameNumbers(Buffer.concat(received));
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});

test('readOutThenClose – a wall clock stepped forward an hour mid read-out (NTP) does not cut it short: durations are monotonic', async (t) => {
  const { client, server } = await socketPair(t);
  await new Promise<void>((resolve, reject) => client.write(Buffer.alloc(1024 * 1024), (err) => (err ? reject(err) : resolve())));
  const wall = Date.now.bind(Date);
  let calls = 0;
  // The wall clock's first reading is now; every later one is an hour on (past the read-out's 10 s bound).
  t.mock.method(Date, 'now', () => (calls++ === 0 ? wall() : wall() + 3_600_000));
  let bytes = 0;
  server.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const readOut = await new Promise<boolean>((resolve) =>
    readOutThenClose(server, () => bytes, (whole) => {
      server.destroy();
      resolve(whole);
    }),
  );
  assert.equal(readOut, true, 'read out, not cut short by the wall clock');
  assert.equal(bytes, 1024 * 1024, 'all the peer sent was read before the close');
});
