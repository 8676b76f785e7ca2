/**
 * The workbench's send (`POST /console/api/send`, `--console-send`) moves money as the HTTP routes do: an answer the
 * page never got (its request aborted, the tab closed, the connection cut before the answer was written whole; or an
 * answer that cannot be written) is handed, with the request as the upstream sent it and the upstream that answered,
 * to the server's one handler of undelivered answers (the routes' `onUndelivered`: the gateway's and a flow's
 * late-approval.ts, which reverses an approval), as the connector's routes hand theirs (its undelivered-answer.ts).
 */
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import type { Connector, UndeliveredAnswerHandler, UndeliveredAnswerReason } from '@iso8583/connector';

/** What a send's `answeredBy` told: the connector whose host answered, its answer and the request as it sent it. */
export interface SendAnswered {
  /** The connector whose host answered (a group's upstream). */
  by: Connector;
  /** Its answer, in its dialect. */
  answer: IsoMessage;
  /** The request as that connector sent it (fields 7 and 11 auto-filled): what a reversal must name. */
  request: MessageInput;
}

/**
 * The `answeredBy` send option of a workbench send and what it told (`undefined` until told: a failure, or a target
 * that does not tell). The request is kept as told (a target that does not give it: `sent`), and read as `by` packs it
 * only when it is handed over (a throw then is logged, not lost in `answeredBy`, whose throws are ignored).
 */
export function answerWatch(sent: MessageInput): { told: () => SendAnswered | undefined; answeredBy: (by: Connector, answer: IsoMessage, request?: MessageInput) => void } {
  let told: SendAnswered | undefined;
  return {
    told: () => told,
    answeredBy: (by, answer, request) => {
      told = { by, answer, request: request ?? sent };
    },
  };
}

/** Hands `answered` to `handler` once, for `reason`; a throw is logged with the request's logger by name and code only. */
function report(reply: FastifyReply, handler: UndeliveredAnswerHandler, answered: SendAnswered, reason: UndeliveredAnswerReason): void {
  try {
    // As it went on the wire (padded, numbers as digits) to the upstream that answered: what a reversal must name.
    const request = answered.by.codec.unpack(answered.by.codec.pack(answered.request));
    handler(request, answered.answer, answered.by, reason);
  } catch (err) {
    const e = err as { name?: unknown; code?: unknown } | null;
    reply.request.log.error({ failure: { name: String(e?.name ?? 'unknown'), code: typeof e?.code === 'string' ? e.code : undefined } }, 'the console send\'s undelivered answer could not be handed over');
  }
}

/**
 * Watches the response about to carry a send's answer (call before sending it): when the connection has closed
 * already, or closes before the response is written whole, `handler` gets the answer once (`client-gone`). Nothing
 * without a handler or an answer told.
 */
export function watchSendDelivery(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, answered: SendAnswered | undefined): void {
  if (handler === undefined || answered === undefined) return;
  const res = reply.raw;
  // The connection is the request's: a response of a pipelined request waits without one (`res.socket` null) and is
  // not told when the connection closes, so the connection's close is watched too.
  const socket = reply.request.raw.socket as Socket | null;
  if (res.destroyed || socket === null || socket.destroyed) {
    report(reply, handler, answered, 'client-gone');
    return;
  }
  const settle = (): void => {
    res.off('close', settle);
    socket.off('close', settle);
    if (!res.writableFinished) report(reply, handler, answered, 'client-gone');
  };
  res.once('close', settle);
  socket.once('close', settle);
}

/** An answer that cannot be written (its rows): handed to `handler` now (`unwritable`); the caller then fails. */
export function unwritableSend(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, answered: SendAnswered | undefined): void {
  if (handler !== undefined && answered !== undefined) report(reply, handler, answered, 'unwritable');
}
