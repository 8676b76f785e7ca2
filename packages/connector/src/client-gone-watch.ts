/**
 * An HTTP client that leaves while its request waits (for its terminal's turn, a connection, the journal): the route
 * aborts the request's `signal` with a client-gone reason, so that the connector drops it unwritten, as SocketQueue
 * drops the queued request of a client that has gone. A request already written is not touched by that abort
 * (request-abort.ts): its answer is awaited and, when the client has left, handed to `onUndelivered` (client-gone) as
 * before. "Left" is judged as `watchDelivery` judges it: the response closed, or the request's connection closed,
 * before the response was written.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { clientGone } from './request-abort.js';
import { onConnectionClose } from './undelivered-answer.js';

/** The watch of one route request's client while its request is under way. */
export interface GoneWatch {
  /** Aborted, with a client-gone reason, when the client leaves; pass it as the request's `signal`. */
  readonly signal: AbortSignal;
  /** The request settled: the client is no longer watched here (an answer's delivery is `watchDelivery`'s). */
  end(): void;
}

const NOTHING = (): void => undefined;

/** Watches the client of `reply`'s request until {@link GoneWatch.end}; aborts at once when it has left already. */
export function watchGone(reply: FastifyReply): GoneWatch {
  const controller = new AbortController();
  const leave = (): void => {
    if (!controller.signal.aborted) controller.abort(clientGone(connectorError('ISO8583_ERR_CONNECTOR_ABORTED', 'the HTTP client left before it was answered')));
  };
  const res = reply.raw;
  const socket = reply.request.raw.socket as Socket | null;
  if (res.destroyed || socket === null || socket.destroyed) {
    leave();
    return { signal: controller.signal, end: NOTHING };
  }
  const closed = (): void => {
    if (!res.writableFinished) leave();
  };
  res.once('close', closed);
  // A pipelined request's response is not told when its connection closes: the connection is watched too.
  const unwatch = onConnectionClose(socket, leave);
  return {
    signal: controller.signal,
    end: () => {
      res.off('close', closed);
      unwatch();
    },
  };
}

/**
 * Logs (info, by code and MTI, never a field's value) a request the route's client left before it was written, when
 * `err` says so: `ISO8583_ERR_CONNECTOR_ABORTED` with `sent: 'no'` after `watch`'s abort. True when it did.
 */
export function noteDroppedUnsent(request: FastifyRequest, signal: AbortSignal, err: unknown): boolean {
  if (!signal.aborted || !(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CONNECTOR_ABORTED' || err.sent !== 'no') return false;
  request.log.info({ code: err.code, mti: err.mti }, 'the client left before its request was written: dropped unsent (never sent to the host)');
  return true;
}
