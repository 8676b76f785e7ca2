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
 * closed, as the POS endpoint evicts its silent connections. Failing that, the oldest connection whose request has
 * not arrived whole yet (its head came, its body is still coming: no route has run, nothing has reached the bank) is
 * dropped (`drop`; closed by default): otherwise a client that opens as many connections as the cap, each with a head
 * and part of a body, would keep every new payment out for the whole request bound, again and again. Only when every
 * connection held is a whole request being handled (or a stream) is the new one refused (`refuse`; closed by default).
 *
 * There is no per-address share of the cap: POS traffic often comes through one proxy or NAT address, which a share
 * would starve, and the drop above already takes away what a share would guard against (slots held by requests that
 * never finish arriving).
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
  /** Connections closed to make room for a new one (they had no request in progress, or one not yet arrived whole). */
  readonly evicted: number;
  /** New connections refused because every connection held was in the middle of a request. */
  readonly refused: number;
}

/** How a capped listener answers the connections it does not keep; each must close the socket it is given. */
export interface CapAnswers {
  /** A new connection that finds every one held busy with a whole request; default: closed. */
  readonly refuse?: (socket: Socket) => void;
  /** A connection dropped for a new one while its request was still arriving; default: closed. */
  readonly drop?: (socket: Socket) => void;
  /** Told after each refusal or drop (for a rate-limited log line); default: nothing. */
  readonly onShed?: (what: 'refused' | 'evicted') => void;
}

/**
 * Caps the connections `server` holds at `max` (at least 1). An HTTP server's requests are followed (its `request`
 * events), so that a connection is evicted only between requests, or while its request is still arriving; on any other
 * server every connection may be evicted. `answers` says how the connections not kept are answered.
 */
export function capConnections(server: Server, max: number, answers: CapAnswers = {}): ConnectionCap {
  const { refuse = (s: Socket) => s.destroy(), drop = release, onShed } = answers;
  // Each connection held, in the order accepted, with its requests in progress (and their answers).
  const held = new Map<Socket, Map<IncomingMessage, ServerResponse>>();
  let evicted = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    if (held.size >= Math.max(1, max)) {
      const idle = oldestIdle(held);
      const arriving = idle === undefined ? oldestArriving(held) : undefined;
      if (idle === undefined && arriving === undefined) {
        refused++;
        refuse(socket);
        onShed?.('refused');
        return;
      }
      evicted++;
      if (idle !== undefined) {
        held.delete(idle);
        release(idle);
      } else {
        held.delete(arriving!);
        drop(arriving!);
      }
      onShed?.('evicted');
    }
    held.set(socket, new Map());
    socket.once('close', () => held.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requests = held.get(req.socket);
    if (requests === undefined) return;
    requests.set(req, res);
    // `close` comes once the response is written, or when the connection goes first.
    res.once('close', () => requests.delete(req));
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
function oldestIdle(held: Map<Socket, Map<IncomingMessage, ServerResponse>>): Socket | undefined {
  for (const [socket, requests] of held) if (requests.size === 0) return socket;
  return undefined;
}

/**
 * The first (oldest) connection of `held` whose request is still arriving: not whole (no route has run on it) and not
 * answered in any part (a hook's early answer is left to end on its own).
 */
function oldestArriving(held: Map<Socket, Map<IncomingMessage, ServerResponse>>): Socket | undefined {
  for (const [socket, requests] of held) {
    for (const [req, res] of requests) if (!req.complete && !res.headersSent) return socket;
  }
  return undefined;
}
