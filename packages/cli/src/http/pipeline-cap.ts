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
 * One exception to the pause: the last request waiting, while its body is still arriving, is read whole (while at
 * most four times the bound wait), or Node's request bound would answer it 408 and close the connection.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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

/** The requests of one connection. */
interface Line {
  /** Handed to the application, not answered yet. */
  running: number;
  /** Parsed, waiting for their turn, oldest first. */
  readonly waiting: Array<[IncomingMessage, ServerResponse]>;
  /** Whether this bound paused the socket. */
  paused: boolean;
  /** A turn to hand on the waiting requests is asked for (`setImmediate`). */
  scheduled: boolean;
  /** A look at the last request waiting, once the read being parsed is, is asked for (see `readTail`). */
  tailCheck: boolean;
}

/** A server's `request` handler: `handler` with at most `max` requests of one connection at once (see the file's note). */
export function capPipelining(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  max = MAX_PIPELINED,
): (req: IncomingMessage, res: ServerResponse) => void {
  const lines = new WeakMap<Socket, Line>();
  const run = (line: Line, socket: Socket, req: IncomingMessage, res: ServerResponse): void => {
    line.running++;
    // `close` comes once the response is written, or when the connection goes first.
    res.once('close', () => {
      line.running--;
      if (line.waiting.length > 0) schedule(line, socket);
    });
    handler(req, res);
  };
  const handOn = (line: Line, socket: Socket): void => {
    line.scheduled = false;
    while (line.running < max && line.waiting.length > 0) {
      const [req, res] = line.waiting.shift()!;
      queued.delete(res);
      if (socket.destroyed) continue; // the connection went: the rest have no one to answer
      run(line, socket, req, res);
    }
    if (line.waiting.length === 0 && line.paused) {
      line.paused = false;
      if (!socket.destroyed) resumeReading(socket);
    }
  };
  // Once the read being parsed is: a request waiting whose body is still arriving (the last one parsed; a body cut
  // by the read's end) is read on, so that it arrives whole, and the next request parsed pauses the socket again.
  // Paused, it stayed incomplete until the requests before it were answered, and Node's request bound (the gateway's
  // --request-timeout) answered it 408 and closed the connection, cutting the answers of those running.
  const readTail = (line: Line, socket: Socket): void => {
    line.tailCheck = false;
    const last = line.waiting.at(-1);
    // Not past a few times the bound: a client that cuts every write in a body would have its whole flood read so.
    if (last === undefined || last[0].complete || !line.paused || socket.destroyed || line.waiting.length > 4 * max) return;
    line.paused = false;
    resumeReading(socket);
  };
  const schedule = (line: Line, socket: Socket): void => {
    if (line.scheduled) return;
    line.scheduled = true;
    setImmediate(() => handOn(line, socket));
  };
  return (req, res) => {
    const socket = req.socket;
    let line = lines.get(socket);
    if (line === undefined) {
      const fresh: Line = { running: 0, waiting: [], paused: false, scheduled: false, tailCheck: false };
      lines.set(socket, (line = fresh));
      // Node's HTTP server reads a socket it paused itself again as soon as the answers it holds for it are below the
      // socket's high-water mark (its drain, run on every answer queued or written), and cannot tell this bound's pause
      // from its own: while requests wait here, the socket is paused again in the same turn, before anything is read.
      // Else a client that reads its answers had its whole flood parsed into the queue (four 2 MB floods: 50,000
      // requests waiting on each connection, the gateway at 1.1 GB).
      socket.on('resume', () => {
        if (fresh.paused && fresh.waiting.length > 0) pauseReading(socket);
      });
    }
    if (line.running < max && line.waiting.length === 0) {
      run(line, socket, req, res);
      return;
    }
    line.waiting.push([req, res]);
    queued.add(res);
    // A request parsed while others wait: the socket is read (see the `resume` listener above), paused again.
    if (!line.paused || (socket as HttpSocket)._paused !== true) {
      line.paused = true;
      pauseReading(socket);
    }
    if (!line.tailCheck) {
      line.tailCheck = true;
      const held = line;
      setImmediate(() => readTail(held, socket));
    }
  };
}

/** A server socket with the fields Node's HTTP server keeps on it (`_http_server.js`, not documented). */
type HttpSocket = Socket & { _paused?: boolean; parser?: { pause?: () => void; resume?: () => void } | null };

/**
 * Stops reading a server socket as Node's HTTP server does when a client floods it with pipelined requests whose
 * answers it does not read: `_paused` set and the socket paused, and Node pauses the socket's HTTP parser once the
 * bytes of the current read are parsed (its parser reads the socket's handle itself: `pause()` alone stops nothing).
 */
function pauseReading(socket: HttpSocket): void {
  socket._paused = true;
  socket.pause();
}

/** Reads a socket paused by {@link pauseReading} again, as Node's HTTP server does once the answers have drained. */
function resumeReading(socket: HttpSocket): void {
  if (socket._paused !== true) return; // Node's own drain has resumed it already
  socket._paused = false;
  socket.parser?.resume?.();
  socket.resume();
}

/**
 * Puts {@link capPipelining} in front of the request handler `server` was made with (a Fastify app's: its `server`'s
 * `request` listener), in its place; the server's other `request` listeners are left as they are.
 */
export function capServerPipelining(server: Server, max = MAX_PIPELINED): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  const handler = handlers[0];
  if (handler === undefined) return;
  server.removeListener('request', handler);
  server.prependListener('request', capPipelining(handler, max));
}
