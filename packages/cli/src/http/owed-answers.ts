/**
 * The requests an HTTP connection is owed answers for, in the order its client sent them: one record per connection,
 * the one home of that idea, read by every part of the port that needs it. The pipelining bound (pipeline-cap.ts)
 * counts those at the routes; the port's own answer (a 408, a 400) waits for those owed before it (answer-in-turn.ts);
 * the request bound of a connection held unread looks at the last request parsed and the next one (held-deadline.ts);
 * the connection cap asks whether a connection can give way without cutting a payment (connection-cap.ts).
 *
 * A request is owed from the moment Node hands it to the server (its head parsed: the server's `request` event),
 * whether a route runs for it yet or not, until its answer is written whole (its bytes handed to the system) or cut
 * with the connection (the response's `close`). HTTP/1.1 answers a connection's requests in the order they were sent,
 * so the record keeps that order.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What one connection is owed, read-only to its readers. */
export interface Owed {
  /** The requests whose answer is neither written whole nor cut, oldest first (with their answers). */
  readonly requests: ReadonlyMap<IncomingMessage, ServerResponse>;
  /** The last request handed to the server on the connection, answered or not; `undefined` before the first. */
  readonly last: readonly [IncomingMessage, ServerResponse] | undefined;
}

/** A connection's record, as kept here. */
interface Record {
  requests: Map<IncomingMessage, ServerResponse>;
  last: [IncomingMessage, ServerResponse] | undefined;
  /** Told of the next request handed to the server on the connection (one at a time: a second call replaces it). */
  next: ((req: IncomingMessage) => void) | undefined;
}

const records = new WeakMap<Socket, Record>();

/** The requests already recorded (a request is recorded once, whichever reader met it first). */
const recorded = new WeakSet<IncomingMessage>();

/** Servers whose requests are followed ({@link followOwed}). */
const followed = new WeakSet<Server>();

function recordOf(socket: Socket): Record {
  let mine = records.get(socket);
  if (mine === undefined) records.set(socket, (mine = { requests: new Map(), last: undefined, next: undefined }));
  return mine;
}

/** What `socket` (a server connection) is owed: the live record, empty for a connection that sent no request yet. */
export function owedTo(socket: Socket): Owed {
  return recordOf(socket);
}

/**
 * Records `req` (answered by `res`) as owed on its connection; a request already recorded is left as it is. Called by
 * {@link followOwed}'s listener, and by any `request` listener that reads the record before that one has run (the
 * pipelining bound, which is put first).
 */
export function owe(req: IncomingMessage, res: ServerResponse): void {
  if (recorded.has(req)) return;
  recorded.add(req);
  const mine = recordOf(req.socket);
  mine.requests.set(req, res);
  mine.last = [req, res];
  // `close` comes once the answer is written whole (its bytes handed to the system), or when it is cut.
  res.once('close', () => mine.requests.delete(req));
  const next = mine.next;
  mine.next = undefined;
  next?.(req);
}

/** Records every request of `server` ({@link owe}), first among its `request` listeners. Once per server; call before `listen`. */
export function followOwed(server: Server): void {
  if (followed.has(server)) return;
  followed.add(server);
  server.prependListener('request', owe);
}

/**
 * Calls `fn` with the next request handed to the server on `socket` (a message whose head is still arriving); a second
 * call before it comes replaces the first.
 */
export function onNextRequest(socket: Socket, fn: (req: IncomingMessage) => void): void {
  recordOf(socket).next = fn;
}
