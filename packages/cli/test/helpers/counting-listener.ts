/** A listener on 127.0.0.1 (port 0) that only counts the connections made to it: another bank nothing may reach. */
import { createServer, type Socket } from 'node:net';

/** Starts the listener, closed (its connections cut) after the test; resolves with its port and its count so far. */
export async function countingListener(t: { after: (fn: () => Promise<void>) => void }): Promise<{ port: number; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, connections: () => sockets.length };
}
