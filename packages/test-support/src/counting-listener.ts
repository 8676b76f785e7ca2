/**
 * A listener on 127.0.0.1 (port 0) that answers nothing and only records what reaches it: another bank nothing may
 * reach. A count read as soon as the code under test has returned (or its process exited) cannot fail: a connection
 * still in flight is not counted yet. So the count is read through {@link CountingListener.accepted}, a barrier: the
 * listener's own probe connection, accepted after any connection made to it before (the listen queue hands them out
 * in order).
 */
import { connect, createServer, type Socket } from 'node:net';
import { within } from './wait.js';

/** What {@link countingListener} gives the test. */
export interface CountingListener {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Every byte received so far, on any connection. */
  received: () => Buffer;
  /**
   * Opens a probe connection of its own and resolves, once the listener has accepted it, with how many connections it
   * accepted before the probe: every connection made before this call. Rejects when the probe is not accepted in 10 s.
   */
  accepted: () => Promise<number>;
}

/** Starts the listener, closed (its connections and probes cut) after the test. */
export async function countingListener(t: { after: (fn: () => Promise<void>) => void }): Promise<CountingListener> {
  const sockets: Socket[] = [];
  const chunks: Buffer[] = [];
  /** The probes not accepted yet when their own side connected, by their local port. */
  const probes = new Map<number, (before: number) => void>();
  /** The local ports of this listener's own probes: not counted (a second `accepted()` counts only others). */
  const probePorts = new Set<number>();
  /** Connections accepted before `sockets[i]` other than probes. */
  const othersBefore = (i: number): number => sockets.slice(0, i).filter((s) => s.remotePort === undefined || !probePorts.has(s.remotePort)).length;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => chunks.push(b));
    const probe = socket.remotePort === undefined ? undefined : probes.get(socket.remotePort);
    probe?.(othersBefore(sockets.length - 1));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const own: Socket[] = [];
  t.after(async () => {
    for (const socket of [...own, ...sockets]) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const port = address.port;
  const accepted = (): Promise<number> => {
    const probe = connect(port, '127.0.0.1');
    own.push(probe);
    probe.on('error', () => undefined);
    const before = new Promise<number>((resolve) => {
      probe.once('connect', () => {
        const localPort = probe.localPort;
        if (localPort === undefined) return;
        probePorts.add(localPort);
        const found = sockets.findIndex((s) => s.remotePort === localPort);
        if (found >= 0) resolve(othersBefore(found));
        else probes.set(localPort, resolve);
      });
    });
    return within(before, 10_000, 'the probe connection to be accepted');
  };
  return { port, received: () => Buffer.concat(chunks), accepted };
}
