/**
 * A bound on the work one HTTP connection can make the server do at once. HTTP/1.1 lets a client send requests one
 * after another without waiting for the answers (pipelining), and Node hands the server every request it parses from a
 * read at once: ~2 MB of tiny requests written on one connection (43,000 `GET /stats`) had every one of them routed,
 * answered and written back in runs that held the event loop for up to ~0.6-1.7 s, while every other client (a
 * payment's answer, a terminal's request) waited.
 *
 * Here a connection has at most {@link MAX_PIPELINED} requests handed to the application and not yet answered; the
 * requests parsed beyond them wait, in order, and the connection is not read further (the socket is paused) until they
 * have all been handed on. Each next request is handed on from its own turn of the event loop (`setImmediate`), once
 * an earlier answer is done, so the other connections' requests and answers are served between them. Answers still go
 * out in request order (Node queues the responses of a connection). A client that does not pipeline never waits here.
 *
 * Node's HTTP server resumes a connection it paused itself each time a queued answer is written (its own bound on
 * answers a client does not read), whoever paused it: a connection held here is kept paused through those (else a
 * pipelined flood behind one slow route was read and parsed whole, every request of it waiting here in memory). While
 * a connection is not read, what its client sent meanwhile waits unread: request-deadline.ts does not count that time
 * against the request being received ({@link unreadUntil}).
 *
 * A connection held so has a client that may read nothing: from its first request held back, its answers written whole
 * are in doubt till its close (the connector's delivery-doubt.ts), and its new requests reach the routes only while the
 * answers kept so across the process are under their bound ({@link DoubtBudget}), refused 503 before any route otherwise;
 * then the connection in doubt keeping the most answers with nothing at the routes is closed, its close settling them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { admitInDoubt, deliveryInDoubt, heaviestInDoubt, inDoubt, oweInDoubt } from '@iso8583/connector/delivery-doubt';
import { heldBudget } from './held-budget.js';
import type { HeldBudget, HeldBudgetOptions } from './held-budget.js';
import { owe, owedTo } from './owed-answers.js';

/** Requests of one connection handed to the application at once, not yet answered: 32. */
export const MAX_PIPELINED = 32;

/** The answers of requests parsed and waiting for their turn: no route has run for them yet. */
const queued = new WeakSet<ServerResponse>();

/**
 * Whether `res` answers a request this bound holds back (parsed, waiting for an earlier one of its connection to be
 * answered): no route has run for it, so closing its connection cuts no payment (the connection cap's judgement).
 */
export function heldBack(res: ServerResponse): boolean {
  return queued.has(res);
}

/** The answers {@link markStream} marked: routes that run until their client goes. */
const streams = new WeakSet<ServerResponse>();

/**
 * Marks `res` as a stream (a console event stream: it runs until its client goes, and its client opens it again when
 * it is closed). At the connection cap (connection-cap.ts), a connection holding one is closed for a new connection
 * after the idle ones and those whose answers only wait for a client that reads nothing, before one whose request is
 * still arriving. For the held-back budget it counts as answered ({@link settled}).
 */
export function markStream(res: ServerResponse): void {
  streams.add(res);
}

/** Whether `res` is a stream ({@link markStream}). */
export function isStream(res: ServerResponse): boolean {
  return streams.has(res);
}

/**
 * Requests whose every answer is made whole (`res.end()` called, the route done) and waits only for the peer to read
 * it: a response is in progress until its last byte is handed to the system, which a peer that reads nothing puts off
 * for ever. A request pipelined behind them and held back from the routes ({@link heldBack}: its turn comes when an
 * earlier answer is written, which the peer puts off too) has had no route run either. So closing their connection
 * cuts no payment at the bank (the connection cap's and the held-back budget's judgement).
 */
export function answered(requests: ReadonlyMap<IncomingMessage, ServerResponse>): boolean {
  return [...requests.values()].every((res) => res.writableEnded || heldBack(res));
}

/**
 * Requests that hold back no payment, for the held-back budget: each {@link answered}, or a stream ({@link markStream}:
 * a console event stream runs until its client goes, so the requests pipelined behind it never get their answers
 * written, and its page opens it again when it is closed). Otherwise a client that pipelines requests behind an event
 * stream, on as many connections as it likes, would hold them all back past the budget.
 */
export function settled(requests: ReadonlyMap<IncomingMessage, ServerResponse>): boolean {
  return [...requests.values()].every((res) => res.writableEnded || heldBack(res) || streams.has(res));
}

/** When each connection this bound paused was read again (`Date.now()`); `Infinity` while it is held unread. */
const readAgain = new WeakMap<Socket, number>();

/** Told once a connection held unread is read again. */
const onRead = new WeakMap<Socket, Array<() => void>>();

/**
 * `Infinity` while this bound holds `socket` unread (requests wait for their turn, so what its client sends meanwhile
 * is not read), else when it was last read again (`Date.now()`); `undefined` for a connection never held.
 */
export function unreadUntil(socket: Socket): number | undefined {
  return readAgain.get(socket);
}

/** Calls `fn` once `socket` is read again ({@link unreadUntil}), at once when it is not held unread. */
export function whenRead(socket: Socket, fn: () => void): void {
  if (readAgain.get(socket) !== Infinity) {
    fn();
    return;
  }
  const told = onRead.get(socket);
  if (told === undefined) onRead.set(socket, [fn]);
  else told.push(fn);
}

/**
 * Marks `socket` in doubt (the connector's `deliveryInDoubt`, with `cut` when given; a connection marked already keeps
 * its `cut` unless one is given): its answers written whole are kept till its close, and those owed now (at the routes,
 * or written and waiting for the client) are counted against the bound of answers kept ({@link DoubtBudget}).
 */
export function markInDoubt(socket: Socket, cut?: () => boolean): void {
  if (cut !== undefined || !inDoubt(socket)) deliveryInDoubt(socket, cut);
  for (const res of owedTo(socket).requests.values()) if (!queued.has(res)) oweInDoubt(socket, res);
}

/** The bound of answers kept on connections in doubt (see the file's note), as the HTTP port sets it. */
export interface DoubtBudget {
  /** Answers kept and owed across the process on connections in doubt before a new request there is refused. Default: the connector's `DOUBT_MAX_KEPT` (16384). */
  readonly max?: number;
  /** Answers a request refused so, no route run: default 503 `ISO8583_ERR_CONSOLE_DOUBT_BUDGET` as `{ error: { code, message } }`. */
  readonly refuse?: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * How the connection closed for room is closed, once a request is refused so ({@link makeDoubtRoom}): the HTTP port's
   * lingers (answered-close.ts, `closeAnswered`). Default: none closed (kept answers then settle only at their
   * connections' own closes, and a busy connection in doubt is refused for as long as they stay).
   */
  readonly close?: (socket: Socket) => void;
  /** Told of each request refused so, with the connection closed for room then, if one was (doubt-log.ts); default: nothing. */
  readonly onRefused?: (closed: Socket | undefined) => void;
}

/**
 * Past the bound of answers kept (`max`), after refusing `res` (a request of its own connection): closes with `close`
 * the connection in doubt keeping the most answers whose every request handed to the routes is answered (written
 * whole, `res` among them) or held back, unless the connections closing already (lingering) will free room enough
 * at their closes (soon: the connector's `heaviestInDoubt` counts the answers they keep and owe). Else a client that
 * reads every answer, in doubt for good from one burst, kept its answers till it went, and with the bound full every
 * request in doubt was refused for as long as such clients stayed (an outage); and waiting on any closing connection,
 * however little it frees, a steady stream of them (evicted at the cap, answered 408 or 413) did the same.
 *
 * Money-safe: no route runs on it (nothing at the bank). Its requests held back, and what its client sends while it
 * lingers, are read and thrown away (`discardReading`: its HTTP parser taken off) and never reach a route; the answers
 * it keeps settle at its close by the linger's cut test (linger-close.ts): a client that reads and ends its side, none
 * of them thrown away by a reset, counts them delivered; one still sending at the linger's bound, reversed. So a close
 * here loses no answer unreported, and the kept count falls back under the bound within the linger's bound (2 s).
 * Costs no copy: each candidate's owed answers are looked through in place, only for one keeping more than the last.
 */
function makeDoubtRoom(res: ServerResponse, close: (socket: Socket) => void, max: number | undefined): Socket | undefined {
  const idle = (s: Socket): boolean => {
    for (const r of owedTo(s).requests.values()) if (r !== res && !r.writableEnded && !queued.has(r)) return false;
    return true;
  };
  const heaviest = heaviestInDoubt(idle, gone, max);
  if (heaviest !== undefined) close(heaviest);
  return heaviest;
}

/** The code of a request refused by the bound of answers kept ({@link DoubtBudget}). */
export const DOUBT_BUDGET_CODE = 'ISO8583_ERR_CONSOLE_DOUBT_BUDGET';

/** Its message. */
export const DOUBT_BUDGET_MESSAGE = 'this port keeps the most answers it may for clients that may not have read them: send it again on a new connection';

/** Writes `body` (JSON, or a line) as a 503 refusal on `res`, the connection kept. */
export function refuseInDoubt(res: ServerResponse, body: string): void {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The requests of one connection held back. Those handed to the application and not answered yet are the requests the
 * connection is owed answers for (owed-answers.ts) less these.
 */
interface Line {
  /** Parsed, waiting for their turn, oldest first. */
  readonly waiting: Array<[IncomingMessage, ServerResponse]>;
  /** Whether this bound paused the socket. */
  paused: boolean;
  /** A turn to hand on the waiting requests is asked for (`setImmediate`). */
  scheduled: boolean;
  /** The connection's `resume` events are watched: Node's own resume is undone while requests wait. */
  guarded: boolean;
}

/**
 * A server's `request` handler: `handler` with at most `max` requests of one connection at once (see the file's note),
 * the requests held back across the server kept within `budget` (held-budget.ts: default its defaults).
 */
export function capPipelining(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  max = MAX_PIPELINED,
  budget: HeldBudget = heldBudget(),
  doubt: DoubtBudget = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const refuse = doubt.refuse ?? ((_req: IncomingMessage, res: ServerResponse): void => refuseInDoubt(res, JSON.stringify({ error: { code: DOUBT_BUDGET_CODE, message: DOUBT_BUDGET_MESSAGE } })));
  const lines = new WeakMap<Socket, Line>();
  /** Requests of the connection handed to the application and not answered yet (see {@link Line}). */
  const running = (line: Line, socket: Socket): number => owedTo(socket).requests.size - line.waiting.length;
  const run = (line: Line, socket: Socket, req: IncomingMessage, res: ServerResponse): void => {
    // `close` comes once the response is written, or when the connection goes first (the record has let it go by then).
    res.once('close', () => {
      if (line.waiting.length > 0) schedule(line, socket);
    });
    // On a connection in doubt, only while the answers kept are under their bound: else no route runs for it.
    if (admitInDoubt(socket, res, doubt.max)) {
      handler(req, res);
      return;
    }
    refuse(req, res);
    // The request that found the bound full stays refused: a lingering close makes room only at its end.
    doubt.onRefused?.(doubt.close === undefined ? undefined : makeDoubtRoom(res, doubt.close, doubt.max));
  };
  const handOn = (line: Line, socket: Socket): void => {
    line.scheduled = false;
    while (line.waiting.length > 0 && (gone(socket) || running(line, socket) < max)) {
      const [req, res] = line.waiting.shift()!;
      queued.delete(res);
      budget.remove(socket);
      if (gone(socket)) continue; // the connection went, or is closing: the rest have no one to answer
      run(line, socket, req, res);
    }
    if (line.waiting.length === 0 && line.paused) {
      line.paused = false;
      if (socket.destroyed) return;
      readAgain.set(socket, Date.now());
      resumeReading(socket);
      const told = onRead.get(socket) ?? [];
      onRead.delete(socket);
      for (const fn of told) fn();
    }
  };
  const schedule = (line: Line, socket: Socket): void => {
    if (line.scheduled) return;
    line.scheduled = true;
    setImmediate(() => handOn(line, socket));
  };
  return (req, res) => {
    // Put first among the server's `request` listeners: the record has not met this request yet.
    owe(req, res);
    const socket = req.socket;
    let line = lines.get(socket);
    if (line === undefined) {
      const made: Line = { waiting: [], paused: false, scheduled: false, guarded: false };
      lines.set(socket, (line = made));
      // The requests still waiting when the connection goes are let go (and out of the budget) in a turn.
      socket.once('close', () => schedule(made, socket));
    }
    // This request is owed already, and not handed on yet: the others owed are at the routes.
    if (running(line, socket) - 1 < max && line.waiting.length === 0) {
      run(line, socket, req, res);
      return;
    }
    line.waiting.push([req, res]);
    queued.add(res);
    budget.add(socket);
    // Over the budget, the connection holding the most held back whose requests at the routes are answered (or a
    // stream) is closed. Not for the rest of a read of one closing, which would close another for requests about to be
    // freed.
    if (!gone(socket)) budget.settle((s) => settled(owedTo(s).requests));
    // A connection gone (closed here, say) while its read is parsed: the requests it held are let go in a turn.
    if (socket.destroyed) schedule(line, socket);
    if (!line.paused) {
      line.paused = true;
      readAgain.set(socket, Infinity);
      // Its client may read nothing: from now on its answers written whole are in doubt till its close.
      markInDoubt(socket);
      if (!line.guarded) {
        line.guarded = true;
        // Before Node's own listener: it then sees the connection paused and keeps it so.
        socket.prependListener('resume', () => {
          if (line.paused) pauseReading(socket);
        });
      }
      pauseReading(socket);
    }
  };
}

/**
 * A server socket with the fields Node's HTTP server keeps on it (`_http_server.js`, not documented): `_paused` (its
 * own "do not read" flag: it pauses the socket's `parser` once the current read is parsed, its `resume` listener
 * pauses the socket again while it is set, and it clears it and resumes reading each time a queued answer is written,
 * which the `resume` guard of {@link capPipelining} undoes). The same in Node 20 (run here) and in Node's current
 * source (22, 24: read). Without them (another runtime), `pause()` still stops the socket's reads where its parser
 * does not read the handle itself, and the requests parsed still wait their turn here in order: only the reading
 * goes on.
 */
type HttpSocket = Socket & {
  _paused?: boolean;
  parser?: { pause?: () => void; resume?: () => void; unconsume?: () => void; _consumed?: boolean } | null;
  _handle?: { reading?: boolean; readStart: () => number } | null;
};

/**
 * Stops reading a server socket as Node's HTTP server does when a client floods it with pipelined requests whose
 * answers it does not read: `_paused` set and the socket paused, and Node pauses the socket's HTTP parser once the
 * bytes of the current read are parsed (its parser reads the socket's handle itself: `pause()` alone stops nothing).
 */
function pauseReading(socket: HttpSocket): void {
  if (discarding.has(socket)) return;
  socket._paused = true;
  socket.pause();
}

/** Connections read no more ({@link stopReading}). */
const stopped = new WeakSet<Socket>();

/**
 * Reads `socket` (a server socket) no more, for good: neither this bound nor Node's own resume (each time a queued
 * answer is written) reads it again. What its client sends meanwhile stays unread: a request whose receipt timed out
 * (request-deadline.ts) then never completes, and no route runs for it, while the answers owed before it are written.
 */
export function stopReading(socket: Socket): void {
  if (stopped.has(socket)) return;
  stopped.add(socket);
  // Before Node's own listener, as the guard of capPipelining: it then sees the connection paused and keeps it so.
  socket.prependListener('resume', () => pauseReading(socket));
  pauseReading(socket);
}

/**
 * Whether `socket` is gone or closing (destroyed, or its input thrown away: {@link discardReading}): a request held
 * back there is never handed to the routes (a payment sent to the bank whose answer has no connection to go by).
 */
export function gone(socket: Socket): boolean {
  return socket.destroyed || discarding.has(socket);
}

/** Connections whose bytes are read and thrown away ({@link discardReading}). */
const discarding = new WeakSet<Socket>();

/**
 * Reads what the client of `socket` (a server socket, answered and closing) still sends, and throws it away: its HTTP
 * parser is taken off the socket (no request is read from these bytes, no route runs), and the socket is read again
 * even after {@link stopReading}. So that closing it does not find unread bytes there, which makes the system reset the
 * connection and drop what was written to it and not yet delivered (request-deadline.ts, `answer`).
 */
export function discardReading(socket: Socket): void {
  const s = socket as HttpSocket;
  if (discarding.has(s)) return;
  discarding.add(s);
  // Node's own undoing of its parser's hold on the handle (`unconsume` in its HTTP server, as on an upgrade).
  if (s.parser?._consumed === true) {
    s.parser.unconsume?.();
    s.parser._consumed = false;
  }
  s.removeAllListeners('data');
  s.on('data', () => undefined);
  s._paused = false;
  s.resume();
  // The stream's own read may be waiting on the parser's, never to come: the handle is started as Node starts it.
  const handle = s._handle;
  if (handle !== undefined && handle !== null && handle.reading !== true) {
    handle.reading = true;
    handle.readStart();
  }
}

/** Reads a socket paused by {@link pauseReading} again, as Node's HTTP server does once the answers have drained. */
function resumeReading(socket: HttpSocket): void {
  if (socket._paused !== true) return; // Node's own drain has resumed it already
  if (stopped.has(socket)) return;
  socket._paused = false;
  socket.parser?.resume?.();
  socket.resume();
}

/**
 * Puts {@link capPipelining} in front of the request handler `server` was made with (a Fastify app's: its `server`'s
 * `request` listener), in its place; the server's other `request` listeners are left as they are. The requests held
 * back across `server` are kept within a budget of `budget` (held-budget.ts; default: its defaults), which is returned;
 * the answers kept on its connections in doubt within `doubt` ({@link DoubtBudget}; default: its defaults).
 */
export function capServerPipelining(server: Server, max = MAX_PIPELINED, budget: HeldBudgetOptions = {}, doubt: DoubtBudget = {}): HeldBudget {
  const held = heldBudget(budget);
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  const handler = handlers[0];
  if (handler === undefined) return held;
  server.removeListener('request', handler);
  server.prependListener('request', capPipelining(handler, max, held, doubt));
  return held;
}
