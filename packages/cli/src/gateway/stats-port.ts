/**
 * The stats port: a plain TCP listener that writes the `GET /stats` JSON (and a newline) to whoever connects, then
 * closes the connection, as SocketQueue's `--statServerPort` does (`telnet host 4000`, `nc host 4000`, a Zabbix
 * check). It reads nothing from the peer.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A running stats port. */
export interface StatsPort {
  /** The address it listens on. */
  readonly address: AddressInfo;
  /** Stops listening and ends the connections still open. Safe to call twice. */
  close(): Promise<void>;
}

/** Listens on `host:port` (0: any free port) and answers every connection with `body()` as JSON. */
export async function startStatsPort(host: string, port: number, body: () => unknown): Promise<StatsPort> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer that resets before the write is nothing to report.
    socket.on('error', () => socket.destroy());
    socket.end(`${JSON.stringify(body())}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    address: server.address() as AddressInfo,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
