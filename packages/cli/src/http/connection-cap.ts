/**
 * The cap on the connections one listener of the command holds at once: the HTTP port (`--http-max-connections`), the
 * `--metrics` port and the stats port ({@link MONITORING_MAX_CONNECTIONS}). Every connection holds a file descriptor
 * of the process, and the POS listener, the upstream links and the journal share that limit (`LimitNOFILE`): without
 * a cap, a client that opens connections to one of these ports and says nothing holds descriptors until the port's own
 * timeouts end them (or for ever, where there is none), and once the process has none left no terminal is accepted,
 * no upstream link reconnects and no journal file opens.
 *
 * At the cap, a new connection first makes room: the oldest connection held that has no request in progress (one
 * that has not sent a whole request head yet, a keep-alive connection between requests, any stats port connection) is
 * closed, as the POS endpoint evicts its silent connections. Only when every connection held is in the middle of a
 * request is the new one refused (`refuse`; closed by default).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';

/** The default cap of the HTTP port (`--http-max-connections`): 1000 connections. */
export const DEFAULT_HTTP_MAX_CONNECTIONS = 1000;

/** The cap of the `--metrics` port and of the stats port: 64 connections (a scraper and a few people need a handful). */
export const MONITORING_MAX_CONNECTIONS = 64;

/** What a capped listener did, for tests and the stats. */
export interface ConnectionCap {
  /** Connections held now. */
  readonly held: number;
  /** Connections closed to make room for a new one (they had no request in progress). */
  readonly evicted: number;
  /** New connections refused because every connection held was in the middle of a request. */
  readonly refused: number;
}

/**
 * Caps the connections `server` holds at `max` (at least 1). An HTTP server's requests are followed (its `request`
 * events), so that a connection is evicted only between requests; on any other server every connection may be
 * evicted. `refuse` answers a new connection that finds every one held busy (it must close it); default: closed.
 */
export function capConnections(server: Server, max: number, refuse: (socket: Socket) => void = (s) => s.destroy()): ConnectionCap {
  // Each connection held, in the order accepted, with the number of its requests in progress.
  const held = new Map<Socket, number>();
  let evicted = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    if (held.size >= Math.max(1, max)) {
      const idle = oldestIdle(held);
      if (idle === undefined) {
        refused++;
        refuse(socket);
        return;
      }
      held.delete(idle);
      evicted++;
      release(idle);
    }
    held.set(socket, 0);
    socket.once('close', () => held.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const busy = held.get(socket);
    if (busy === undefined) return;
    held.set(socket, busy + 1);
    // `close` comes once the response is written, or when the connection goes first.
    res.once('close', () => {
      const now = held.get(socket);
      if (now !== undefined) held.set(socket, Math.max(0, now - 1));
    });
  });
  return {
    get held() {
      return held.size;
    },
    get evicted() {
      return evicted;
    },
    get refused() {
      return refused;
    },
  };
}

/**
 * Closes a connection the port is done with: a reset when its side is ended already (its FIN sent: a plain close would
 * send nothing more, and a peer that keeps its side open would never learn it is gone), else a close.
 */
export function release(socket: Socket): void {
  if (socket.writableEnded && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

/** The first (oldest) connection of `held` with no request in progress. */
function oldestIdle(held: Map<Socket, number>): Socket | undefined {
  for (const [socket, busy] of held) if (busy === 0) return socket;
  return undefined;
}
