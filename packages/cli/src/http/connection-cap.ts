/**
 * The cap on the connections one listener of the command holds at once: the HTTP port (`--http-max-connections`), the
 * `--metrics` port and the stats port (`--metrics-max-connections`, {@link MONITORING_MAX_CONNECTIONS}). Every
 * connection holds a file descriptor of the process, and the POS listener, the upstream links and the journal share
 * that limit (`LimitNOFILE`): without a cap, a client that opens connections to one of these ports and says nothing
 * holds descriptors until the port's own timeouts end them (or for ever, where there is none), and once the process
 * has none left no terminal is accepted,
 * no upstream link reconnects and no journal file opens.
 *
 * At the cap, a new connection first makes room: the oldest connection held that has no request in progress (one
 * that has not sent a whole request head yet, a keep-alive connection between requests, any stats port connection) is
 * closed, as the POS endpoint evicts its silent connections; one accepted less than {@link NEW_CONNECTION_GRACE} ago
 * that has sent no request yet only with those whose request is still arriving, below (its request is most often on
 * its way). Failing that, the oldest connection whose every answer is made and only waits for its peer to take it
 * (a client that sends requests and reads nothing: no bound ends such a wait, and no route is running on it) is closed: otherwise a client that pipelines requests for a page larger than
 * the socket buffers on as many connections as the cap, and never reads, would keep every payment out for as long as
 * it liked, without a token (it is closed without a reset, its answers handed to the system delivered to a
 * client that reads them: answered-close.ts; an approval whose answer is cut so is reversed, as for any client gone). Failing that,
 * the oldest connection holding a stream (`markStream`, pipeline-cap.ts: a console event stream, which runs until its client
 * goes) and otherwise only such answers or requests still arriving is closed: a page's stream is opened again by its
 * browser, and otherwise a client that opens as many event streams as the cap would keep every payment out for as
 * long as it liked, without a token, as above. Failing that, of the connections whose request has not arrived whole
 * yet (its head came, its body is still coming: no route has run, nothing has reached the bank; and no route running
 * for an earlier request) and those just accepted, the one least recently heard from (last-heard.ts) gives way: one
 * still arriving is dropped (`drop`; closed by default), one just accepted is closed. Otherwise a client that opens
 * as many connections as the cap, each with a head and part of a body, would keep every new payment out for the whole
 * request bound, again and again; and, the other way round, a client opening a connection that says nothing more
 * often than the grace dropped every body being uploaded, however steadily (an honest POS on a slow link lost its
 * payment to silent sockets). A
 * connection with any other route running (a payment at the bank) is never closed for a new one: when every
 * connection held has one, the new one is refused (`refuse`; closed by default).
 *
 * A connection let go (refused, or dropped for a new one) no longer counts toward the cap: a new client is never
 * refused because old ones are closing. Its answer (503) lingers for its client to read it (request-deadline.ts: its
 * side ended, up to 2 s), and a client that never closes its own side holds a descriptor meanwhile: those are bounded
 * apart, at most `max` closing at once, the oldest whose answer is handed to the system closed at once beyond that
 * (a plain close: the 503 is still delivered; else the oldest, whose 503 may then be lost), one evicted with answers
 * its client has not read last (answered-close.ts: a destroy may cut them, each approval then reversed).
 * Otherwise a client opening connections faster than they close held any number of descriptors beyond the cap (300
 * refused in half a second held 300 beyond a cap of 2). A connection held that the port answered itself (a 408, and
 * lingering) counts until it gives way for a new one (its request still arriving: dropped as above, then bounded so).
 *
 * One peer (an address; for IPv6 its /64: `peerKey` of @iso8583/inbound) holds at most `perAddress` of the
 * connections: at that limit its new connection makes room among the peer's own connections only, by the same order
 * (idle, answered, stream, arriving), and failing that is refused (`refuse` with `'address'`). Otherwise one client could hold
 * every slot with requests at the bank, or with connections that each keep a route running (a stream, a slow
 * upstream), and every other client would be refused for as long as it liked. The default share
 * ({@link defaultPerAddress}: nine slots in ten) leaves room for POS traffic that comes through one proxy or NAT
 * address, while the last tenth always stays for the others.
 */
import { Server as HttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultPerAddress, peerKey } from '@iso8583/inbound/peer-key';
import { closeAnswered, isClosingAnswered } from './answered-close.js';
import { heardFrom, lastHeard } from './last-heard.js';
import { followOwed, owedTo } from './owed-answers.js';
import { answered, heldBack, isStream, markInDoubt } from './pipeline-cap.js';
import { alsoCut, heardSinceKept, inDoubt } from '@iso8583/connector/delivery-doubt';

/**
 * Marks `socket` (in doubt, about to be destroyed) cut at its close, besides its cut test so far, if an error is seen
 * on it, or unless its client ended its side if it may be reset: a destroy resets the connection (throwing away what
 * its client had not read) if bytes lie unread here (the socket paused, or its input buffered) or come after it. A
 * client that sent nothing since its last answer is taken as silent: the race left is one sending just then.
 * `seen`: the socket as seen before anything read its input away (default: now).
 */
export function cutByDestroy(socket: Socket, seen: Reading = readingAt(socket)): void {
  let failed = false;
  socket.on('error', () => (failed = true));
  markInDoubt(socket);
  alsoCut(socket, () => failed || (!seen.ended && seen.unread));
}

/** What a destroy of a socket could reset, as seen at one moment ({@link readingAt}). */
export interface Reading {
  /** Its client ended its side. */
  readonly ended: boolean;
  /** Bytes lie unread here (the socket paused, or its input buffered) or came since its last answer kept. */
  readonly unread: boolean;
}

/** What a destroy of `socket` could reset, as seen now (see {@link cutByDestroy}). */
export function readingAt(socket: Socket): Reading {
  return { ended: socket.readableEnded, unread: socket.isPaused() || socket.readableLength > 0 || heardSinceKept(socket) };
}

/** The default cap of the HTTP port (`--http-max-connections`): 1000 connections. */
export const DEFAULT_HTTP_MAX_CONNECTIONS = 1000;

/**
 * The default cap of the `--metrics` port and of the stats port (`--metrics-max-connections`): 64 connections (a scraper
 * and a few people need a handful).
 */
export const MONITORING_MAX_CONNECTIONS = 64;

/** What a capped listener did, for tests and the stats. */
export interface ConnectionCap {
  /** Connections held now. */
  readonly held: number;
  /**
   * Connections closed to make room for a new one (they had no request in progress, only answers their peer had not
   * read, a stream, or a request not yet arrived whole).
   */
  readonly evicted: number;
  /** New connections refused because every connection held was in the middle of a request. */
  readonly refused: number;
  /** New connections refused because every connection their address held (at its share) was in the middle of a request. */
  readonly refusedFromAddress: number;
  /**
   * Connections let go (refused, or dropped for a new one) and still closing: answered 503 and lingering for their
   * client to read it (request-deadline.ts). They do not count toward the cap; at most as many as the cap linger at
   * once, the oldest closed at once beyond that (its answer still delivered once handed to the system).
   */
  readonly closing: number;
  /**
   * Closes every connection held now, at once (an abort), and resolves once each has closed: by then each has told
   * what it could not deliver (an answer made and waiting to be written: the routes' `onUndelivered`, which stores an
   * approval's reversal).
   */
  closeAll(): Promise<void>;
}

/** How a capped listener answers the connections it does not keep; each must close the socket it is given. */
export interface CapAnswers {
  /**
   * A new connection that finds every one held busy with a whole request (`why` is `'cap'`), or every one its address
   * holds at its share (`'address'`); default: closed.
   */
  readonly refuse?: (socket: Socket, why: 'cap' | 'address') => void;
  /** A connection dropped for a new one while its request was still arriving; default: closed. */
  readonly drop?: (socket: Socket) => void;
  /** Told after each refusal or drop (for a rate-limited log line); default: nothing. */
  readonly onShed?: (what: 'refused' | 'refusedFromAddress' | 'evicted') => void;
}

/**
 * Each connection held, in the order accepted, with its requests in progress (and their answers): what it is owed
 * (owed-answers.ts).
 */
type Held = Map<Socket, ReadonlyMap<IncomingMessage, ServerResponse>>;

/**
 * Caps the connections `server` holds at `max` (at least 1), and those of one peer at `perAddress` (default
 * {@link defaultPerAddress} of `max`). An HTTP server's requests are followed (its `request` events), so that a
 * connection is evicted only between requests, or while its request is still arriving; on any other server every
 * connection may be evicted. `answers` says how the connections not kept are answered.
 */
export function capConnections(server: Server, max: number, answers: CapAnswers = {}, perAddress = defaultPerAddress(max)): ConnectionCap {
  const { refuse = (s: Socket) => s.destroy(), drop = (s: Socket) => s.destroy(), onShed } = answers;
  // Only an HTTP connection waits for its request: on another server (the stats port answers at accept, and reads
  // nothing it is sent) what a peer sends says nothing, and the oldest connection gives way.
  const byBytes = server instanceof HttpServer;
  const held: Held = new Map();
  /** The connections of each peer, oldest first (the same maps as in `held`); a peer holding none is not kept. */
  const peers = new Map<string, Held>();
  let evicted = 0;
  let refused = 0;
  let refusedFromAddress = 0;
  /** The peer key of each connection held. */
  const keys = new WeakMap<Socket, string>();
  /** Connections let go and still closing, oldest first: at most `max` (see {@link ConnectionCap.closing}). */
  const closing = new Set<Socket>();
  const letGo = (socket: Socket): void => {
    if (socket.destroyed || closing.has(socket)) return;
    closing.add(socket);
    socket.once('close', () => closing.delete(socket));
    while (closing.size > Math.max(1, max)) {
      // The oldest whose answer is handed to the system (a close then still delivers it), else the oldest; one whose
      // answers wait for a client that does not read them (answered-close.ts) last: its client may still be sending, and
      // a destroy then resets it and throws them away (reversed then: the connector's delivery-doubt.ts).
      let oldest: Socket | undefined;
      for (const s of closing) if (s.writableFinished && !isClosingAnswered(s)) { oldest = s; break; }
      if (oldest === undefined) for (const s of closing) if (!isClosingAnswered(s)) { oldest = s; break; }
      oldest ??= closing.values().next().value as Socket;
      closing.delete(oldest);
      // A plain close: a reset would drop the 503 its client has not read yet.
      oldest.destroy();
    }
  };
  /** Makes room among `among` (oldest first): `false` when none can give way. */
  const makeRoom = (among: Held): boolean => {
    const now = performance.now();
    // A connection just accepted that has sent no request yet is idle last: its request is most often on its way.
    const idle = oldestIdle(among, now) ?? oldestWhere(among, answered) ?? oldestWhere(among, streamOnly);
    const waiting = idle === undefined ? leastHeardWaiting(among, now, byBytes) : undefined;
    if (idle === undefined && waiting === undefined) return false;
    evicted++;
    const closed = idle ?? (waiting!.arriving ? undefined : waiting!.socket);
    if (closed !== undefined) {
      forget(closed);
      // Its answers made and not read: a destroy with its requests unread reset it, and threw them away (answered-close.ts).
      // So too an idle one in doubt (its answers written whole may wait unread): a destroy meeting bytes its client still
      // sends resets it, and the cut test of its doubt (an error seen) would count them delivered.
      if (owedTo(closed).requests.size > 0 || inDoubt(closed)) {
        closeAnswered(closed);
        letGo(closed);
      } else closed.destroy();
    } else {
      forget(waiting!.socket);
      drop(waiting!.socket);
      letGo(waiting!.socket);
    }
    onShed?.('evicted');
    return true;
  };
  const forget = (socket: Socket): void => {
    held.delete(socket);
    const key = keys.get(socket);
    const mine = key === undefined ? undefined : peers.get(key);
    mine?.delete(socket);
    if (key !== undefined && mine?.size === 0) peers.delete(key);
  };
  server.on('connection', (socket: Socket) => {
    const key = peerKey(socket.remoteAddress ?? '');
    const mine = peers.get(key);
    // A share of every connection or more is no limit of its own: the refusal is then the port's (`max`).
    if (mine !== undefined && perAddress < max && mine.size >= Math.max(1, perAddress) && !makeRoom(mine)) {
      refusedFromAddress++;
      refuse(socket, 'address');
      letGo(socket);
      onShed?.('refusedFromAddress');
      return;
    }
    if (held.size >= Math.max(1, max) && !makeRoom(held)) {
      refused++;
      refuse(socket, 'cap');
      letGo(socket);
      onShed?.('refused');
      return;
    }
    const requests = owedTo(socket).requests;
    const now = performance.now();
    accepted.set(socket, now);
    heardFrom(socket, now);
    held.set(socket, requests);
    keys.set(socket, key);
    if (!peers.has(key)) peers.set(key, new Map());
    peers.get(key)!.set(socket, requests);
    socket.once('close', () => forget(socket));
  });
  // An HTTP server's requests, each connection's record (never emitted by a server of another protocol).
  followOwed(server as HttpServer);
  // A request's head is its connection heard from: what came with it is not counted again as bytes since.
  server.on('request', (req: IncomingMessage) => heardFrom(req.socket, performance.now()));
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
    get refusedFromAddress() {
      return refusedFromAddress;
    },
    get closing() {
      return closing.size;
    },
    closeAll: async () => {
      const sockets = [...held.keys(), ...closing];
      const closed = sockets.map((socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))));
      for (const socket of sockets) {
        // An abort does not linger: on a connection in doubt, what it kept counts cut unless its client had ended its
        // side (no byte of it left to meet the close and reset it), as a lingering close judges.
        if (inDoubt(socket)) cutByDestroy(socket);
        socket.destroy();
      }
      await Promise.all(closed);
    },
  };
}

/**
 * How long a connection just accepted that has sent no request yet is closed for a new one only after the idle ones,
 * those whose answers its client does not read and those holding a stream, and with those whose request is still
 * arriving, the least recently heard from first: 1000 ms. Its request is most often on its way: a burst of new
 * clients at the cap, accepted before any of their requests is read, closed each other, every one but the last, while
 * connections held by clients that send half a request or read nothing stayed. A client that connects and says
 * nothing is the first to go once this time is past.
 */
export const NEW_CONNECTION_GRACE = 1_000;

/** When each connection held was accepted (`performance.now()`). */
const accepted = new WeakMap<Socket, number>();

/**
 * The first (oldest) connection of `held` with no request in progress, leaving out, as of `now`, one accepted less
 * than {@link NEW_CONNECTION_GRACE} ago that has sent no request yet.
 */
function oldestIdle(held: Held, now: number): Socket | undefined {
  for (const [socket, requests] of held) {
    if (requests.size > 0) continue;
    if (owedTo(socket).last !== undefined || now - (accepted.get(socket) ?? 0) >= NEW_CONNECTION_GRACE) return socket;
  }
  return undefined;
}

/**
 * Requests with a stream (see `markStream`, pipeline-cap.ts) and otherwise only answers made whole, requests held back or requests
 * still arriving (no route has run for them): closing their connection cuts no payment. A request pipelined behind a stream never gets
 * its answer written anyway.
 */
function streamOnly(requests: ReadonlyMap<IncomingMessage, ServerResponse>): boolean {
  const all = [...requests];
  return all.some(([, res]) => isStream(res)) && all.every(([req, res]) => res.writableEnded || heldBack(res) || isStream(res) || arriving(req, res));
}

/** The first (oldest) connection of `held` with requests in progress that are `closable`. */
function oldestWhere(held: Held, closable: (requests: ReadonlyMap<IncomingMessage, ServerResponse>) => boolean): Socket | undefined {
  for (const [socket, requests] of held) if (requests.size > 0 && closable(requests)) return socket;
  return undefined;
}

/** A request still arriving: not whole (no route has run on it) and not answered in any part. */
function arriving(req: IncomingMessage, res: ServerResponse): boolean {
  return !req.complete && !res.headersSent;
}

/** A request whose route may be running: arrived whole (or answered early, in part) and not answered whole. */
function running(req: IncomingMessage, res: ServerResponse): boolean {
  return (req.complete || res.headersSent) && !res.writableEnded;
}

/** A connection waiting for its request: still arriving (`arriving`), or just accepted with none sent yet. */
interface Waiting {
  socket: Socket;
  arriving: boolean;
}

/**
 * Of the connections of `held` waiting for their request, the one least recently heard from ({@link lastHeard}; the
 * oldest of those heard from at the same time): one whose request is still arriving (not whole, so no route has run
 * on it, and not answered in any part: a hook's early answer is left to end on its own), with no route running for
 * another request of the connection (pipelined behind one at the bank: closing it would cut that answer), or one
 * accepted less than {@link NEW_CONNECTION_GRACE} ago that has sent no request yet (`makeRoom` closes the others that
 * sent none before). A client uploading a body at any pace is heard from at each look, and keeps its connection
 * while connections that said nothing come and go; a burst of new clients makes room among requests that stalled
 * (heard from last when their head came), not among themselves. Not `byBytes` (a server of another protocol): the
 * oldest accepted.
 */
function leastHeardWaiting(held: Held, now: number, byBytes: boolean): Waiting | undefined {
  let least: Waiting | undefined;
  let leastAt = Infinity;
  for (const [socket, requests] of held) {
    const all = [...requests];
    const waits = all.length === 0 || (all.every(([req, res]) => !running(req, res)) && all.some(([req, res]) => arriving(req, res)));
    if (!waits) continue;
    const at = byBytes ? lastHeard(socket, now) : accepted.get(socket) ?? 0;
    if (at < leastAt) {
      least = { socket, arriving: all.length > 0 };
      leastAt = at;
    }
  }
  return least;
}
