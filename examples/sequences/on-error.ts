/**
 * An onError sequence: called when the main sequence throws or times out (the coded error is in `context.error`, the
 * connector's in its `cause`; on a timeout, `context.error.sent` says whether a connector request the sequence gave
 * `context.signal` may be at the bank). Field 39 is the connector's rule (`upstreamFailureCode`, the gateway's too): 91 (issuer
 * or switch inoperative) when the request never reached the bank, 68 (response received too late) when it reached it
 * or may have (the connector reverses it: a terminal told 91 might send the purchase again as new), 96 (system
 * malfunction) for a failure that is not the bank's; so the terminal always gets an answer it understands (with the
 * codec's `responseMti`: a repeat 0401 gets 0410), in the endpoint's dialect's code for it (the codec's
 * `responseCodeIn`: `907` answering a 1xxx MTI, the dialect's `answerCodes`: a bare `91` in a jPOS CMF field 39 of 4
 * characters would go out as `0091`, an approval there). A message that expects no answer gets none.
 */
import { responseCodeIn, responseMti } from '@iso8583/codec';
import { upstreamFailureCode } from '@iso8583/connector';
import type { IsoMessage } from '@iso8583/codec';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';

export default function onError(message: InboundMessage, context: SequenceContext): IsoMessage | undefined {
  const code = context.error?.code ?? '';
  context.logger.warn({ code, mti: message.mti, stan: message.fields['11'] }, 'sequence failed');
  const mti = responseMti(message.mti);
  if (mti === undefined) return undefined;
  const reply: IsoMessage = { '0': mti };
  for (const id of ['3', '4', '11', '41']) {
    const value = message.fields[id];
    if (typeof value === 'string') reply[id] = value;
  }
  reply['39'] = responseCodeIn(context.dialect, message.mti, upstreamFailureCode(context.error));
  return reply;
}
