/**
 * How long a client may take to send one request (its headers and its body) to an HTTP port of the command: a client
 * that stalls mid-request (a body announced and never sent, a byte a minute) would otherwise hold its connection, and
 * what it sent, for ever: Fastify turns Node's own bound off (`requestTimeout: 0`). The bound is a timeout the operator
 * already set: the longest `requestTimeout` of the port's connectors (the gateway's `--request-timeout`), so that a
 * request has as long to arrive as the bank has to answer it, and never less than {@link MIN_REQUEST_DEADLINE} (a
 * short upstream timeout must not cut a client on a busy machine or network). Past it the request is answered 408
 * `ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT` in its turn, after the answers still owed to the connection's earlier requests
 * (answer-in-turn.ts), and its connection is closed. The time the routes then take (the queue, the
 * bank) is not counted here: each of those waits has its own timeout, and neither is the time the connection waits
 * unread behind its own earlier requests (held-deadline.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { consoleError } from '../console/errors.js';
import { answerInTurn } from './answer-in-turn.js';
import type { CapAnswers } from './connection-cap.js';
import type { CapFlags } from './shed-log.js';
import { expiredWhileHeld } from './held-deadline.js';
import { lingerClose } from './linger-close.js';
import { followOwed, owedTo } from './owed-answers.js';
import { unreadUntil } from './pipeline-cap.js';

/** The bound of a port without connectors (the console alone): the connector's default `requestTimeout`, 30000 ms. */
export const DEFAULT_REQUEST_DEADLINE = 30_000;

/** The shortest bound on the receipt of a request, whatever the timeouts it is taken from: 2000 ms. */
export const MIN_REQUEST_DEADLINE = 2_000;

/**
 * The JSON body of a 408 (or of a request that is not HTTP, 400 or 431), from its error: the port's pre-route refusal
 * shape. A string is the body's text as it is (a shape that writes its own, as SocketQueue's ends with a newline).
 */
export type TimeoutShape = (error: { code: string; message: string }) => unknown;

/** The text of a refusal's body in `shape`: its string as it is, anything else as JSON. */
function bodyText(shape: TimeoutShape, error: { code: string; message: string }): string {
  const body = shape(error);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** The 408 body of a port without a routes' shape of its own: `{ error: { code, message } }`. */
const plainTimeout: TimeoutShape = (error) => ({ error });

/** Each bounded server's refusal shape (read by {@link answerClientError}, which is given only the socket). */
const shapes = new WeakMap<Server, TimeoutShape>();

/**
 * Bounds the receipt of every request of `server` to `ms` milliseconds, at least {@link MIN_REQUEST_DEADLINE}
 * (Node's `requestTimeout`), looked for every
 * quarter of it, from 50 ms to 1 s (Node's default, 30 s, would let a stalled request live up to 30 s past its bound).
 * The 408 body is `shape`'s (default `{ error: { code, message } }`), and so are the 400 and 431 of
 * {@link answerClientError}. Call before `listen`.
 */
export function boundRequests(server: Server, timeout: number, shape: TimeoutShape = plainTimeout): void {
  shapes.set(server, shape);
  const ms = Math.max(timeout, MIN_REQUEST_DEADLINE);
  server.requestTimeout = ms;
  // Node looks at the request bound only where the headers' bound (60 s) is not longer.
  server.headersTimeout = Math.min(server.headersTimeout, ms);
  // Read when the server starts listening (Node's `connectionsCheckingInterval`, not in its type declarations).
  const every = Math.min(1_000, Math.max(50, Math.floor(ms / 4)));
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = every;
  // What each connection is owed (owed-answers.ts): the 408 waits for it, and the request bound of a held connection reads it.
  followOwed(server);
  boundWhileClosing(server, ms, every, shape);
}

/**
 * Node stops looking at the bound once `server.close()` is called, so a request stalled mid-body would hold a graceful
 * stop until its shutdown deadline (and the work of every other client would then be cut): from then on the bound is
 * kept here, with the same answer (408). A request is timed from its head (Node's own check, from its first byte,
 * still applies while listening). Once the server closes, a request still arriving has what is left of its bound but
 * at most {@link MIN_REQUEST_DEADLINE} more: the bound is the upstream's timeout (30 s by default), longer than the
 * gateway's shutdown deadline (10 s), and nothing of a request that has not arrived has reached the bank.
 */
function boundWhileClosing(server: Server, ms: number, every: number, shape: TimeoutShape): void {
  const arriving = new Map<IncomingMessage, number>();
  server.on('request', (req: IncomingMessage) => {
    if (req.complete) return;
    arriving.set(req, Date.now());
    req.once('close', () => arriving.delete(req));
  });
  /** When the server was first seen closed (its listener gone, after it had listened: not yet is not closed). */
  let closedAt: number | undefined;
  let listened = server.listening;
  server.once('listening', () => {
    listened = true;
  });
  const look = (): void => {
    if (server.listening || !listened) return;
    const now = Date.now();
    closedAt ??= now;
    for (const [req, head] of arriving) {
      // A connection held unread behind its own earlier requests (pipeline-cap.ts): its time unread does not count.
      const since = Math.max(head, unreadUntil(req.socket) ?? 0);
      if (req.complete) arriving.delete(req);
      else if (since === Infinity) continue;
      else if (now - since >= ms || now - Math.max(since, closedAt) >= MIN_REQUEST_DEADLINE) {
        arriving.delete(req);
        const bound = Math.min(ms, Math.max(since, closedAt) + MIN_REQUEST_DEADLINE - since);
        const socket = req.socket;
        answerInTurn(socket, ms, () => answer(socket, 408, bodyText(shape, timedOut(bound))));
      }
    }
  };
  // Looked at four times a second (a map of the requests still arriving, most often empty): a request still arriving
  // at the close gets its 2 s from the close, a quarter of a second late at most.
  const timer = setInterval(look, Math.min(every, 250)).unref();
  server.once('close', () => clearInterval(timer));
}

/** The error of a request that did not arrive whole within `ms` milliseconds. */
function timedOut(ms: number): { code: string; message: string } {
  const e = consoleError('ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT', `the request did not arrive whole within ${ms} ms`);
  return { code: e.code, message: e.message };
}

/** Connections answered by {@link answer}, closing. */
const answered = new WeakSet<Socket>();

/**
 * An answer written on the socket itself (the request never reached a route), then the connection closed: its side
 * ended after the answer, then lingering (linger-close.ts): what the client still sends read and thrown away, until
 * it ends its side or at most `LINGER_MS`; a connection closed with unread bytes is reset, and a reset drops what was
 * written and not yet delivered (this answer and the earlier ones).
 * A second answer on a connection already answered is ignored, and so is an answer to a request answered already
 * (before its body came): the connection is then closed with nothing more written.
 */
function answer(socket: Socket, status: number, body: string, retryAfter?: number): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\n${retryAfter === undefined ? '' : `Retry-After: ${retryAfter}\r\n`}Connection: close`;
  // The request whose body is still arriving was answered already, before its body came (a hook's refusal: a 421, a
  // 401): a second answer would be read as the answer to the client's next request. Closed with nothing more written.
  const last = owedTo(socket).last;
  if (last !== undefined && !last[0].complete && last[1].headersSent) socket.end();
  else socket.end(`${head}\r\n\r\n${body}`);
  lingerClose(socket);
}

/**
 * The answer of `capConnections` (connection-cap.ts) to a new connection of `server` that finds every connection held
 * mid-request (503 `ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS`), or every one its address holds at its share (503
 * `ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS`), in the port's refusal shape ({@link boundRequests}), then closed.
 */
export function refuseConnection(server: Server, flags?: CapFlags): (socket: Socket, why: 'cap' | 'address') => void {
  return (socket, why) => {
    const shape = shapes.get(server) ?? plainTimeout;
    const e = why === 'cap'
      ? consoleError('ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS', `this port holds its most connections${flagged(flags?.cap)}, each in the middle of a request: try again`)
      : consoleError('ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS', `this port holds the most connections one address may hold${flagged(flags?.perAddress)}, each in the middle of a request: try again`);
    // Written at once; what the client sends meanwhile is read and thrown away ({@link answer}), so no reset cuts it.
    socket.on('error', () => undefined);
    answer(socket, 503, bodyText(shape, { code: e.code, message: e.message }));
  };
}

/**
 * The answer to a request of `server` whose body would take the bodies arriving across the port past its budget
 * (body-budget.ts): 503 `ISO8583_ERR_CONSOLE_BODY_BUDGET` with `Retry-After: retryAfter` (seconds), in the port's
 * refusal shape ({@link boundRequests}), in its turn (after the answers owed to its connection's earlier requests:
 * answer-in-turn.ts), then its connection closed; no route runs for it. `option` (default none) is named in the text.
 */
export function refuseBody(server: Server, retryAfter: number, option?: string): (socket: Socket) => void {
  return (socket) => {
    const shape = shapes.get(server) ?? plainTimeout;
    const e = consoleError('ISO8583_ERR_CONSOLE_BODY_BUDGET', `the request bodies arriving at this port hold its most bytes${flagged(option)}: nothing was sent on: try again`);
    socket.on('error', () => undefined);
    answerInTurn(socket, Math.max(server.requestTimeout, MIN_REQUEST_DEADLINE), () => answer(socket, 503, bodyText(shape, { code: e.code, message: e.message }), retryAfter));
  };
}

/**
 * How the capped `server` (connection-cap.ts) answers the connections it does not keep ({@link refuseConnection},
 * {@link dropConnection}), with `onShed` told of each; `flags` (default: none) named in the answers.
 */
export function capAnswers(server: Server, onShed?: CapAnswers['onShed'], flags?: CapFlags): CapAnswers {
  return { refuse: refuseConnection(server, flags), drop: dropConnection(server, flags), ...(onShed === undefined ? {} : { onShed }) };
}

/** ` (--http-max-connections)`: the flag of a limit, in an answer's text; `''` for a limit no flag sets. */
function flagged(flag: string | undefined): string {
  return flag === undefined ? '' : ` (${flag})`;
}

/**
 * The answer of `capConnections` (connection-cap.ts) to a connection of `server` dropped for a new one while its request
 * was still arriving (no route had run on it): 503 `ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS` in the port's refusal
 * shape ({@link boundRequests}), then closed. The client may send it again.
 */
export function dropConnection(server: Server, flags?: CapFlags): (socket: Socket) => void {
  return (socket) => {
    const shape = shapes.get(server) ?? plainTimeout;
    const e = consoleError('ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS', `this port holds its most connections${flagged(flags?.cap)} and this request had not arrived whole: its connection was closed for a new one, nothing was sent on: try again`);
    socket.on('error', () => undefined);
    answer(socket, 503, bodyText(shape, { code: e.code, message: e.message }));
  };
}

/**
 * Fastify's `clientErrorHandler` (bound to the app): a request past {@link boundRequests}'s bound is answered 408
 * `ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT`; any other request Node cannot read as HTTP is answered 400
 * `ISO8583_ERR_CONSOLE_INPUT` (431 for headers larger than Node reads), never quoting what was sent; each in its turn,
 * after the answers owed to the connection's earlier requests (answer-in-turn.ts), and in the shape
 * of the port's refusals ({@link boundRequests}: SocketQueue's `{ result: "", errors }` in SocketQueue mode).
 */
export function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // A connection the client reset is gone, one answered already is closing: nothing to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  const shape = shapes.get(this.server) ?? plainTimeout;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const ms = this.server.requestTimeout;
    // In its turn: after the answers still owed to the connection's earlier requests (answer-in-turn.ts).
    const expire = (): void => answerInTurn(socket, ms, () => answer(socket, 408, bodyText(shape, timedOut(ms))));
    // Late only because its connection waited unread behind its own earlier requests: timed from when it is read again.
    if (!expiredWhileHeld(socket, ms, expire)) expire();
    return;
  }
  const overflow = err.code === 'HPE_HEADER_OVERFLOW';
  const e = consoleError('ISO8583_ERR_CONSOLE_INPUT', overflow ? 'the request headers are larger than this port reads' : 'the request is not well-formed HTTP');
  // In its turn too: a pipelined request that is not HTTP, behind one still at the routes.
  answerInTurn(socket, Math.max(this.server.requestTimeout, MIN_REQUEST_DEADLINE), () => answer(socket, overflow ? 431 : 400, bodyText(shape, { code: e.code, message: e.message })));
}
