/**
 * A sequence's result whose client's connection closed before it could be written: already dropped, counted and
 * logged as `ISO8583_ERR_INBOUND_CLIENT_GONE` by the writer; handed here to `onLateResult` with reason `client-gone`,
 * so that whoever owns the transaction can undo what the client never learned of (the gateway reverses an approval).
 */
import type { IsoMessage } from '@iso8583/codec';
import { replyDroppedLine } from './connection-lines.js';
import { observeReply } from './reply-observer.js';
import { codeOf } from './errors.js';
import { logSafely } from './safe-log.js';
import type { EndpointCore, Peer } from './core.js';
import type { MessageContext } from './context.js';
import type { ReceivedMessage } from './inbound-message.js';
import type { ResultSource, SequenceResult, UndeliveredReason } from './sequence.js';

/** Hands a result that could not be written (the client has gone) to `onLateResult`; a throw is counted and logged. */
export function undelivered(core: EndpointCore, peer: Peer, message: ReceivedMessage, context: MessageContext, result: SequenceResult, source: ResultSource): void {
  handOver(core, peer, message, context, result, 'client-gone', source);
}

/**
 * Hands a result its client never got to `onLateResult` (the one place it is called), with why: `sequence-timeout`
 * (late-result.ts), `client-gone` or `reply-invalid` (pipeline.ts: it could not be packed; the client got a 96), and
 * which built it (`source`: the sequence or onError; the endpoint's own replies are never handed over). A throw from
 * the handler is counted and logged, never passed on.
 */
export function handOver(core: EndpointCore, peer: Peer, message: ReceivedMessage, context: MessageContext, result: SequenceResult, reason: UndeliveredReason, source: ResultSource): void {
  const handler = core.options.onLateResult;
  if (handler === undefined) return;
  try {
    handler(result, message, context, reason, source);
  } catch (thrown) {
    core.metrics.error('ISO8583_ERR_INBOUND_INTERNAL');
    logSafely(() => peer.logger.error({ code: 'ISO8583_ERR_INBOUND_INTERNAL', cause: codeOf(thrown) }, 'onLateResult failed'));
  }
}

/**
 * A reply accepted for writing whose write never happened or failed (the connection closed or was destroyed first: an
 * idle timeout, an eviction, the close deadline, with the reply still in the socket of a client that did not read; a
 * peer that had reset it: EPIPE, ECONNRESET): counted as a reply when accepted, it is taken off the replies counted
 * (`label`: its MTI and response code as counted) and counted and logged as `ISO8583_ERR_INBOUND_CLIENT_GONE`, like a
 * reply that finds its client gone, `onReply` told again (`cut`: a trace shows it cut, not sent), then `told` (the result to `onLateResult`; none for the endpoint's own replies).
 * `capped`: its line is capped (reply-write.ts `cappedDrop`: always for the endpoint's own replies, a 30 or a 96).
 */
export function droppedLater(core: EndpointCore, peer: Peer, reply: IsoMessage, label: { readonly mti: string; readonly rc: string }, told: (() => void) | undefined, capped: boolean): void {
  core.metrics.unsent(label.mti, label.rc);
  core.metrics.error('ISO8583_ERR_INBOUND_CLIENT_GONE');
  replyDroppedLine(core.closeLines, peer.logger, reply, true, capped);
  observeReply(core, peer, reply, { cut: true });
  told?.();
}
