/**
 * An approval the bank gave after the POS timeout (the gateway answered the terminal with a failure, or not at all):
 * the terminal does not know the transaction went through, so a reversible request (0100 / 0200 and their repeats,
 * 1100 / 1200 with ISO 8583:1993) is reversed through the SAF queue, built like the connector's own reversals (its
 * `reversal` options: MTI in the dialect's version, the fields copied). Anything else (an advice, a reversal, a network
 * management message) is not undone: a reversal of an advice or of a reversal would cost the merchant. When the SAF
 * queue cannot store the reversal (a full disk, a failed journal), it is sent once without SAF, and an error is logged
 * whatever the outcome.
 */
import type { Logger } from 'pino';
import { isApproved, summarize } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { buildReversal, isReversible } from '@iso8583/connector';
import type { Connector, UpstreamGroup } from '@iso8583/connector';
import { EncodedReply } from '@iso8583/inbound';
import type { InboundMessage, SequenceResult } from '@iso8583/inbound';

/** What a late approval is handled with. */
export interface LateApprovalParts {
  /** The upstream whose options (`reversal`, dialect) the reversal is built from. */
  readonly connector: Connector;
  /** Where the reversal is sent (`saf: true`): the connector, or the group (which sends it to its original's upstream). */
  readonly link: Connector | UpstreamGroup;
  /** The gateway's logger. */
  readonly logger: Logger;
}

/** The inbound endpoint's `onLateResult` of the POS side: reverses a late approval of a reversible request. */
export function lateApproval(parts: LateApprovalParts): (result: SequenceResult, message: InboundMessage) => void {
  const { connector, link, logger } = parts;
  const reversal = connector.options.reversal;
  return (result, message) => {
    if (!(result instanceof EncodedReply) || !isApproved(result.dialect, result.message['39'])) return;
    const original = message.fields;
    if (!isReversible(message.mti)) {
      logger.warn({ code: 'ISO8583_ERR_INBOUND_LATE_REPLY', ...summarize(original) }, 'an approval came after the POS timeout: not a reversible request, not reversed');
      return;
    }
    if (!reversal.enabled) {
      logger.error({ code: 'ISO8583_ERR_INBOUND_LATE_REPLY', ...summarize(original) }, 'an approval came after the POS timeout and reversal is off: not reversed');
      return;
    }
    let built: IsoMessage;
    try {
      built = buildReversal(original, reversal.mti, connector.codec.dialect, reversal.fields);
    } catch (err) {
      logger.error({ code: codeOf(err), ...summarize(original) }, 'an approval came after the POS timeout: its reversal cannot be built');
      return;
    }
    logger.warn({ code: 'ISO8583_ERR_INBOUND_LATE_REPLY', ...summarize(original) }, 'an approval came after the POS timeout: reversed');
    link.request(built, { saf: true }).catch((stored: unknown) => {
      // Not stored (a full disk, a failed or removed journal folder, a full SAF queue): sent once as it is rather than
      // dropped, so that the approval is undone whenever the upstream is reachable; logged either way.
      logger.error({ code: codeOf(stored), ...summarize(original) }, 'an approval came after the POS timeout: its reversal could not be stored, sending it once without SAF');
      link.request(built).then(
        (answer) =>
          logger.warn({ code: 'ISO8583_ERR_INBOUND_LATE_REPLY', ...summarize(original), responseCode: (answer as IsoMessage)['39'] }, 'an approval came after the POS timeout: reversed without SAF'),
        (sent: unknown) => logger.error({ code: codeOf(sent), ...summarize(original) }, 'an approval came after the POS timeout: its reversal could not be stored nor sent: NOT reversed'),
      );
    });
  };
}

/** The `code` of a coded error, else undefined. */
function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | undefined)?.code;
}
