/**
 * The gateway's side of an approval the terminal never got: the POS endpoint's `onLateResult` ({@link lateApproval})
 * and the relayed answer that names its upstream ({@link UpstreamReply}). The rule of what is reversed and how, its
 * book and its metric live in `@iso8583/connector` (undelivered-approval.ts: `undeliveredApproval`, `httpUndelivered`,
 * `movedMoney`), shared with applications that use the connector and the inbound endpoint as libraries; they are
 * re-exported here for the gateway's modules.
 */
import { undeliveredApproval } from '@iso8583/connector';
import type { Connector, EncodedResponse, LateApprovalParts, UndeliveredApproval } from '@iso8583/connector';
import { EncodedReply } from '@iso8583/inbound/endpoint';
import type { InboundMessage, SequenceContext, SequenceResult, UndeliveredReason } from '@iso8583/inbound';

export { UNDELIVERED_APPROVALS_METRIC, httpUndelivered, movedMoney, undeliveredApproval } from '@iso8583/connector';
export type { ApprovalLoss, LateApprovalParts, UndeliveredApproval, UndeliveredApprovalBook, UndeliveredSide } from '@iso8583/connector';

/** A relayed answer (POS side) with the connector whose host gave it: what {@link lateApproval} reverses it with. */
export class UpstreamReply extends EncodedReply {
  /**
   * @param response The connector's answer (message, wire image, dialect).
   * @param upstream The connector whose host answered (in a group, the upstream the request went to).
   */
  constructor(
    response: EncodedResponse,
    readonly upstream: Connector,
  ) {
    super(response.message, response.body, response.dialect);
  }
}

/**
 * The inbound endpoint's `onLateResult` of the POS side: a relayed answer (an `EncodedReply`; an {@link UpstreamReply}
 * names its upstream) that came after the POS timeout or found its client gone goes to {@link undeliveredApproval};
 * the gateway's own answers are failures.
 */
export function lateApproval(parts: LateApprovalParts | UndeliveredApproval): (result: SequenceResult, message: InboundMessage, context: SequenceContext, reason: UndeliveredReason) => void {
  const reverse = typeof parts === 'function' ? parts : undeliveredApproval(parts);
  return (result, message, _context, reason) => {
    if (result instanceof EncodedReply) reverse(message.fields, result.message, result instanceof UpstreamReply ? result.upstream : undefined, reason, 'pos');
  };
}
