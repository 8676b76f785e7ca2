// What the MessageStream tests of frames dropped at a destroy share: a connected pair of TCP sockets, a burst of
// numbered frames far larger than the loopback socket buffers take, and the numbers of the whole frames a peer got.
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { encodeFrame } from '../src/index.js';
import type { MessageStream } from '../src/index.js';

/** A connected pair of TCP sockets on 127.0.0.1; the server side reads nothing until a stream is made on it. */
export async function socketPair(t: { after(fn: () => unknown): void }): Promise<{ client: Socket; server: Socket }> {
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

/** How many frames a burst writes, and the size of each (`binary4` header included): 25.6 MB in all. */
export const BURST = { count: 400, size: 64 * 1024 };

/**
 * Writes {@link BURST}'s frames on `stream` (`binary4`, each payload starting with its number) and flushes them: the
 * numbers of those reported `dropped` are collected in the set returned.
 */
export function writeBurst(stream: MessageStream): Set<number> {
  const dropped = new Set<number>();
  for (let i = 0; i < BURST.count; i++) {
    const payload = Buffer.alloc(BURST.size - 4, 0x41);
    payload.writeUInt32BE(i, 0);
    stream.write(encodeFrame(payload, { lengthHeader: 'binary4' }), () => dropped.add(i));
  }
  stream.flush();
  return dropped;
}

/** The numbers (first 4 bytes of the payload) of the whole `binary4` frames in `bytes`. */
export function frameNumbers(bytes: Buffer): Set<number> {
  const got = new Set<number>();
  for (let at = 0; at + 4 <= bytes.length; at += 4 + bytes.readUInt32BE(at)) {
    if (at + 4 + bytes.readUInt32BE(at) > bytes.length) break;
    got.add(bytes.readUInt32BE(at + 4));
  }
  return got;
}

/**
 * Holds the event loop for `ms` milliseconds, computing (no sleep: nothing else runs meanwhile): what a loaded machine
 * does to a process between two turns, made certain. Timers due meanwhile run before the next poll.
 */
export function stallEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the process is held, as by other processes on a loaded machine
  }
}
