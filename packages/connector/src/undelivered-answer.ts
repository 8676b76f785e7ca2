/**
 * An answer that never reached its HTTP client: the client's connection closed (an aborted request, a client that
 * gave up) before the response carrying the host's answer was written whole. The routes hand such an answer, with its
 * request, to `routes.onUndelivered`, so that whoever owns the transaction can undo what the client never learned of
 * (the gateway reverses an approval the client never got).
 */
import { Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import { Iso8583Error } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { connectorError } from './errors.js';
import type { Connector } from './connector.js';
import { routeFailure } from './route-failure.js';
import { onRejected } from './callback-rejection.js';
import { inDoubt, keepInDoubt } from './delivery-doubt.js';

/**
 * Why an answer did not reach its HTTP client: `client-gone`, the client's connection closed before the response was
 * written whole; `unwritable`, the answer could not be written in the form asked (the client got 502
 * `ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE`).
 */
export type UndeliveredAnswerReason = 'client-gone' | 'unwritable';

/**
 * Told of a request whose answer did not reach the client: the request and the host's answer, as message objects in
 * the dialect of `upstream`, the connector whose host answered (in an upstream group, the upstream the request went
 * to: its dialect says what approves, its options how to reverse), and why. The request is as `upstream` sent it.
 * A handler must act on `upstream`, not on the connector it was configured with: one handler may be told of answers of
 * several connectors (the HTTP console hands the sends to every target to the first connector's `routes.onUndelivered`).
 * It may be `async`: the response is not held for it, and its rejection is logged like a throw (by name and code, with
 * the request's logger; never an unhandled rejection).
 */
export type UndeliveredAnswerHandler = (request: IsoMessage, answer: IsoMessage, upstream: Connector, reason: UndeliveredAnswerReason) => void | Promise<void>;

/** A request, its answer and the connector whose host answered, as {@link UndeliveredAnswerHandler} is given them. */
export type UndeliveredAnswer = [request: IsoMessage, answer: IsoMessage, upstream: Connector];

/**
 * Watches the response about to carry an answer: when the connection has closed already, or closes before the
 * response is written whole, `handler` is called once with the request and the answer (made by `messages`, called only
 * then: e.g. the XML route's parse). A throw (of `messages` or of `handler`) is logged with the request's logger, by
 * name and code, and so is the rejection of a promise `handler` returns. Call it before sending the response.
 */
export function watchDelivery(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, messages: () => UndeliveredAnswer): void {
  if (handler === undefined) return;
  const res = reply.raw;
  // The connection is the request's: a response waits without one (`res.socket` null) while an earlier response of
  // the same connection is still being written (requests pipelined), and is written whole once that one is. Taken for
  // a client gone, an approval the client then read was reversed.
  const socket = reply.request.raw.socket as Socket | null;
  const report = (): void => reportUndelivered(reply, handler, messages, 'client-gone');
  if (res.destroyed || socket === null || socket.destroyed) {
    report();
    return;
  }
  // Delivered once the response is written whole ('finish') while its connection stands: a connection destroyed
  // under a response still being written also ends its writes (with an error), and Node emits 'finish' then too.
  // `writableFinished` is no test: a response written whole through a stand-in socket (`app.inject`, serverless
  // adapters) closes with it false, and each approval its client got was reported gone (and reversed).
  // Over HTTP/2 (Fastify `http2: true`) the request's socket is Node's proxy of the stream (its `destroyed` is the
  // stream's), and the response emits 'finish' only once its stream has closed, destroyed: each answer the client got
  // was reported gone. There the stream's close code tells: 0 for a stream closed in order, NGHTTP2_CANCEL (8) for a
  // client's reset or its connection lost; and its writes must have ended (a session the server tore down closes its
  // streams with 0 too, a response's writes cut short).
  let delivered = false;
  const finished = (): void => {
    delivered = deliveredAtFinish(reply);
  };
  // A waiting response is not told when its connection closes (only the one being written is): the connection's
  // close is watched too, until the response is written whole or closed.
  let unwatch: () => void = () => undefined;
  const settle = (): void => {
    res.off('close', settle);
    res.off('finish', finished);
    unwatch();
    // Written whole on a connection whose close may still throw it away (delivery-doubt.ts): settled there.
    if (delivered && inDoubt(socket)) keepInDoubt(socket, report);
    else if (!delivered) report();
  };
  res.once('finish', finished);
  res.once('close', settle);
  unwatch = onConnectionClose(socket, settle);
}

/**
 * Whether the response of `reply`, at its `finish` event, reached its client's connection: the one home of that
 * judgement (the undelivered answers' watch, the console's audit line). Over HTTP/1 its connection still stands (Node
 * emits `finish` too for a response whose connection was destroyed while it was written); over HTTP/2 its stream
 * closed in order (close code 0) with its writes ended. Not `writableFinished`: a response written whole through a
 * stand-in socket (`app.inject`, serverless adapters) closes with it false. Call it in a `finish` listener (or
 * Fastify's `onResponse`, which runs from one): later, a connection the client closed after reading reads as gone.
 * A response written whole may still be held in doubt until its connection's close (delivery-doubt.ts).
 */
export function deliveredAtFinish(reply: FastifyReply): boolean {
  const res = reply.raw;
  if (res instanceof Http2ServerResponse) return res.stream.rstCode === 0 && res.stream.writableFinished;
  const socket = reply.request.raw.socket as Socket | null;
  return socket !== null && socket.destroyed !== true;
}

/** The answers waiting on each connection's close: one listener per connection (see {@link onConnectionClose}). */
const waiting = new WeakMap<Socket, Set<() => void>>();

/**
 * Calls `fn` when `socket` closes; returns how to stop. One `close` listener per connection however many answers wait
 * on it: the answers of pipelined requests (up to 32 at the gateway) added one each, and past ten Node wrote a
 * `MaxListenersExceededWarning` ("possible memory leak") on the process's stderr.
 */
function onConnectionClose(socket: Socket, fn: () => void): () => void {
  let set = waiting.get(socket);
  if (set === undefined) {
    const fresh = new Set<() => void>();
    waiting.set(socket, (set = fresh));
    socket.once('close', () => {
      waiting.delete(socket);
      for (const each of fresh) each();
    });
  }
  const mine = set;
  mine.add(fn);
  return () => mine.delete(fn);
}

/**
 * An answer that arrived but cannot be written in the form the client asked for (a `/raw` answer its dialect cannot
 * pack, an XML render that fails): `handler` is called now, once (reason `unwritable`), with the request and the answer (the client will
 * not learn the outcome), and the error to answer with is returned: `ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE` (502,
 * `cause` the codec's error, which names fields, never values). The error response is not watched: when its write
 * fails too, the answer is not reported a second time.
 */
export function unwritableAnswer(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, messages: () => UndeliveredAnswer, cause: unknown): Iso8583Error {
  if (handler !== undefined) reportUndelivered(reply, handler, messages, 'unwritable');
  const named = cause instanceof Iso8583Error ? (cause.problems?.map((p) => p.field) ?? (cause.field === undefined ? [] : [cause.field])) : [];
  const fields = named.length > 0 ? ` (${named.length === 1 ? 'field' : 'fields'} ${named.join(', ')})` : '';
  return connectorError('ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE', `the host answered, but its answer cannot be written in this form${fields}: its outcome is unknown`, { cause });
}

/**
 * Calls `handler` with what `messages` makes; a throw (of either), or the rejection of the promise `handler` returns, is
 * logged with the request's logger, by name and code.
 */
function reportUndelivered(reply: FastifyReply, handler: UndeliveredAnswerHandler, messages: () => UndeliveredAnswer, reason: UndeliveredAnswerReason): void {
  const failed = (err: unknown): void => {
    reply.request.log.error({ failure: routeFailure(err) }, 'onUndelivered failed');
  };
  try {
    const [request, answer, upstream] = messages();
    onRejected(handler(request, answer, upstream, reason), failed);
  } catch (err) {
    failed(err);
  }
}
