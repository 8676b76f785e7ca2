/**
 * The stats port: a plain TCP listener that writes the `GET /stats` JSON (and a newline) to whoever connects, then
 * closes the connection, as SocketQueue's `--statServerPort` does (`telnet host 4000`, `nc host 4000`, a Zabbix
 * check). What the peer sends is read and dropped. A peer that keeps its side open after the JSON (it never closes,
 * or never reads) is closed after {@link STATS_LINGER} ms, and the port holds at most
 * {@link MONITORING_MAX_CONNECTIONS} connections (the oldest closed to make room): each holds a file descriptor the POS
 * listener, the upstream links and the journal share.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { ConnectionCap } from '../http/connection-cap.js';
import { defaultPerAddress } from '@iso8583/inbound/peer-key';
import { MONITORING_MAX_CONNECTIONS, capConnections } from '../http/connection-cap.js';

/** Milliseconds a stats port connection is kept once its JSON is written, for the peer to read it and close: 5000. */
export const STATS_LINGER = 5_000;

/** A running stats port. */
export interface StatsPort {
  /** The address it listens on. */
  readonly address: AddressInfo;
  /** Its connections: held now, closed for new ones (connection-cap.ts). */
  readonly connections: ConnectionCap;
  /** Stops listening and ends the connections still open. Safe to call twice. */
  close(): Promise<void>;
}

/** Bounds of {@link startStatsPort} (the gateway's `--metrics-max-connections[-per-address]`; tests set `linger`). */
export interface StatsPortLimits {
  /** Milliseconds a connection is kept from its accept. Default {@link STATS_LINGER}. */
  linger?: number;
  /** Connections held at once; at the cap the oldest is closed. Default {@link MONITORING_MAX_CONNECTIONS}. */
  maxConnections?: number;
  /**
   * Connections of one address (IPv6: one /64) held at once; at it, the address's own oldest is closed. Default:
   * `maxConnections` less a tenth (`defaultPerAddress` of @iso8583/inbound).
   */
  maxConnectionsPerAddress?: number;
}

/** Listens on `host:port` (0: any free port) and answers every connection with `body()` as JSON. */
export async function startStatsPort(host: string, port: number, body: () => unknown, limits: StatsPortLimits = {}): Promise<StatsPort> {
  const lingerMs = limits.linger ?? STATS_LINGER;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer that resets before the write is nothing to report.
    socket.on('error', () => socket.destroy());
    // Read and dropped: unread input would turn the close into a reset, which may lose the JSON on its way.
    socket.resume();
    // From the accept, whatever the peer sends meanwhile (a socket timeout would start over at each byte).
    const linger = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('close', () => clearTimeout(linger));
    socket.end(`${JSON.stringify(body())}\n`);
  });
  const max = limits.maxConnections ?? MONITORING_MAX_CONNECTIONS;
  const connections = capConnections(server, max, {}, limits.maxConnectionsPerAddress ?? defaultPerAddress(max));
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
    connections,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
