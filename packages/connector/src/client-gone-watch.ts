/**
 * An HTTP client that leaves while its request waits (for its terminal's turn, a connection, the journal): the route
 * passes its connection's gone signal as the request's `signal`, aborted with a client-gone reason when the connection
 * closes, so that the connector drops the request unwritten, as SocketQueue drops the queued request of a client that
 * has gone. A request already written is not touched by that abort (request-abort.ts): its answer is awaited and, when
 * the client has left, handed to `onUndelivered` (client-gone) as before. One signal per connection, shared by its
 * requests (pipelined ones too) and made on the first: a signal costs tens of microseconds to make.
 */
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Iso8583Error, summarize } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { clientGone } from './request-abort.js';

/** Each connection's gone signal, once a route's request has asked for it. */
const signals = new WeakMap<Socket, AbortSignal>();

/** The reason a gone signal aborts with: `ISO8583_ERR_CONNECTOR_ABORTED`, marked client-gone. */
function goneReason(): Iso8583Error {
  return clientGone(connectorError('ISO8583_ERR_CONNECTOR_ABORTED', 'the HTTP client left before it was answered'));
}

/**
 * The signal of `reply`'s client: aborted (client-gone) when its connection closes; aborted already when it has
 * closed, or when the response has (the client left before the route ran).
 */
export function goneSignal(reply: FastifyReply): AbortSignal {
  const socket = reply.request.raw.socket as Socket | null;
  if (socket === null || socket.destroyed || reply.raw.destroyed) return AbortSignal.abort(goneReason());
  let signal = signals.get(socket);
  if (signal === undefined) {
    const controller = new AbortController();
    signal = controller.signal;
    // Every request in flight on the connection listens to it (pipelined ones): no leak warning.
    setMaxListeners(0, signal);
    signals.set(socket, signal);
    socket.once('close', () => controller.abort(goneReason()));
  }
  return signal;
}

/**
 * The codes of a request failed because its connector closed (`close()`, `destroy()`: a stop and its deadline; errors.ts):
 * the failures a stop that cut the client's connection leaves unlogged.
 */
const CONNECTOR_CLOSED: ReadonlySet<string> = new Set(['ISO8583_ERR_CONNECTOR_CLOSED']);

/**
 * Logs one line (info, by code, the request's MTI, STAN and terminal when `message` is given (else the error's MTI), and
 * the HTTP request's id, never a card field's value) of a request the route's client
 * left before it was written, when `err` says so: `ISO8583_ERR_CONNECTOR_ABORTED` with `sent: 'no'` after the gone
 * `signal` aborted; and of one failed never sent because its connector closed (`ISO8583_ERR_CONNECTOR_CLOSED`,
 * `sent: 'no'`: a stop, its deadline) once its connection is closed (the stop cut it: the client is told nothing, so the
 * log says it). Any other failure (`CONNECT_FAILED`, `QUEUE_TIMEOUT` ... of a client gone) is not a stop's: false, it
 * keeps its own log. To `logger` (the connector's own, when it was given one: the option `logger`; the routes' request
 * logger is silent unless the Fastify app logs), else to the request's logger. True when it did.
 */
export function noteDroppedUnsent(request: FastifyRequest, signal: AbortSignal, err: unknown, logger?: Pick<Logger, 'info'>, message?: MessageInput): boolean {
  if (!(err instanceof Iso8583Error) || err.sent !== 'no') return false;
  const log = logger ?? request.log;
  // The request's log-safe keys (MTI, STAN, terminal: the codec's summarize, as the POS side logs them), else the MTI
  // the error names; made only for a line that is written.
  const what = (): Record<string, unknown> => ({ code: err.code, ...(message !== null && typeof message === 'object' ? summarize(message) : { mti: err.mti }), reqId: request.id });
  if (signal.aborted && err.code === 'ISO8583_ERR_CONNECTOR_ABORTED') {
    log.info(what(), 'the client left before its request was written: dropped unsent (never sent to the host)');
    return true;
  }
  // A stop (its deadline, an abort) that cut the client's connection, then failed the request it had not sent yet
  // (the connector closed): the client is told nothing, so the log says it, as the POS side's does.
  if (!CONNECTOR_CLOSED.has(err.code)) return false;
  const socket = request.raw.socket as Socket | null;
  if (!signal.aborted && socket !== null && !socket.destroyed) return false;
  log.info(what(), 'the client\'s connection closed before its request was written (a stop cut it): dropped unsent (never sent to the host)');
  return true;
}
