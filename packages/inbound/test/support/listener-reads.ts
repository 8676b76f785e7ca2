// What the endpoint's own socket read, chunk by chunk: a test that sends a frame in pieces waits until the listener
// has read each piece before it writes the next, so the pieces are real (Nagle or a busy machine would otherwise join
// them into one read). Node's `net.server.socket` channel hands over each accepted socket; its `data` listener here
// runs after the endpoint's own (added when the socket was accepted), in the same turn.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { eventWithin } from '@iso8583/test-support';

/** The reads of the endpoint's socket of one connection. */
export interface ListenerReads {
  /** The size of each chunk the listener read, in order. */
  readonly chunks: readonly number[];
  /** Bytes read so far. */
  readonly total: number;
  /**
   * Resolves once the listener has read `bytes` in all (at once if it has); fails naming `what` after `deadline` ms
   * (default 10000).
   */
  reached(bytes: number, what: string, deadline?: number): Promise<void>;
}

interface Record {
  chunks: number[];
  total: number;
  waiters: { bytes: number; resolve: () => void }[];
}

/**
 * Watches the connections the endpoint on `port` accepts from now on (until the test ends); the function returned
 * gives the reads of the connection of a client socket.
 */
export function watchListenerReads(t: TestContext, port: number): (client: Socket) => ListenerReads {
  const byPeer = new Map<number, Record>();
  const recordOf = (peerPort: number): Record => {
    let r = byPeer.get(peerPort);
    if (r === undefined) byPeer.set(peerPort, (r = { chunks: [], total: 0, waiters: [] }));
    return r;
  };
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    if (socket.localPort !== port || socket.remotePort === undefined) return;
    const r = recordOf(socket.remotePort);
    socket.on('data', (chunk: Buffer) => {
      r.chunks.push(chunk.length);
      r.total += chunk.length;
      for (const w of r.waiters.filter((x) => x.bytes <= r.total)) {
        r.waiters.splice(r.waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  };
  subscribe('net.server.socket', onSocket);
  t.after(() => unsubscribe('net.server.socket', onSocket));
  return (client) => {
    const r = recordOf(client.localPort ?? 0);
    return {
      get chunks() {
        return r.chunks;
      },
      get total() {
        return r.total;
      },
      reached: (bytes, what, deadline = 10_000) =>
        r.total >= bytes
          ? Promise.resolve()
          : eventWithin(deadline, () => `the listener read ${r.total} of ${bytes} bytes (${what}) within ${deadline} ms`, (resolve) => {
            r.waiters.push({ bytes, resolve });
          }),
    };
  };
}

/** The stream offsets at which the listener's reads ended (the sums of `chunks`). */
export function readEnds(chunks: readonly number[]): number[] {
  let at = 0;
  return chunks.map((n) => (at += n));
}
