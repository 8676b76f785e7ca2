/**
 * The workbench's send (`POST /console/api/send`, `--console-send`) moves money as the HTTP routes do: an answer the
 * page never got (its request aborted, the tab closed, the connection cut before the answer was written whole; or an
 * answer that cannot be written) is handed, with the request as the upstream sent it and the upstream that answered,
 * to the server's one handler of undelivered answers (the routes' `onUndelivered`: the gateway's and a flow's
 * late-approval.ts, which reverses an approval), with the connector's routes' own watch (its undelivered-answer.ts).
 */
import type { FastifyReply } from 'fastify';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { unwritableAnswer, watchDelivery } from '@iso8583/connector';
import type { Connector, UndeliveredAnswer, UndeliveredAnswerHandler } from '@iso8583/connector';

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

/** The request as `by` put it on the wire (padded, numbers as digits): what a reversal must name; the answer; `by`. */
function messagesOf(answered: SendAnswered): UndeliveredAnswer {
  return [answered.by.codec.unpack(answered.by.codec.pack(answered.request)), answered.answer, answered.by];
}

/**
 * Watches the response about to carry a send's answer (call before sending it), with the routes' one watch
 * (`watchDelivery`): when the connection has closed already, or closes before the response is written whole,
 * `handler` gets the answer once (`client-gone`). Nothing without a handler or an answer told.
 */
export function watchSendDelivery(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, answered: SendAnswered | undefined): void {
  if (answered !== undefined) watchDelivery(reply, handler, () => messagesOf(answered));
}

/** An answer that cannot be written (its rows): handed to `handler` now (`unwritable`); the caller then fails. */
export function unwritableSend(reply: FastifyReply, handler: UndeliveredAnswerHandler | undefined, answered: SendAnswered | undefined, cause: unknown): void {
  if (answered !== undefined) unwritableAnswer(reply, handler, () => messagesOf(answered), cause);
}
