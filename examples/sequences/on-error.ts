/**
 * An onError sequence: called when the main sequence throws or times out (the coded error is in `context.error`).
 * Answers 91 (issuer or switch inoperative) when the bank could not be reached, 96 (system malfunction) otherwise,
 * so the terminal always gets an answer it understands (with the codec's `responseMti`: a repeat 0401 gets 0410). A
 * message that expects no answer gets none.
 */
import { responseMti } from '@iso8583/codec';
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
  reply['39'] = code.startsWith('ISO8583_ERR_CONNECTOR_') ? '91' : '96';
  return reply;
}
