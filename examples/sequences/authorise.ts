/**
 * An authorising sequence: a stand-in that decides on its own, without the bank (as a switch does when the issuer is
 * unreachable). Approves purchases (0100/0200) up to a floor limit, declines larger ones with response code 61
 * (exceeds withdrawal amount limit), answers echo tests (0800), and refuses any other request with 12 (invalid
 * transaction); a message that expects no answer (a response) gets none. The reply MTI is the codec's `responseMti`
 * (0401 -> 0410). The reply is a message object; the endpoint packs it in the dialect of the connection.
 */
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';

/** The largest amount approved without the bank, in minor units (100.00). */
export const FLOOR_LIMIT = 10_000;

/** Fields of the request copied into the answer (never the PAN or track data). */
const ECHOED = ['3', '4', '7', '11', '12', '13', '41', '42', '49'];

let approvals = 0;

export default function authorise(message: InboundMessage, context: SequenceContext): IsoMessage | undefined {
  const request = message.fields;
  const mti = responseMti(message.mti);
  if (mti === undefined) return undefined;
  const reply: IsoMessage = { '0': mti };
  for (const id of ECHOED) {
    const value = request[id];
    if (typeof value === 'string') reply[id] = value;
  }
  if (message.mti === '0800') {
    reply['70'] = String(request['70'] ?? '301');
    reply['39'] = '00';
    return reply;
  }
  if (message.mti !== '0100' && message.mti !== '0200') {
    reply['39'] = '12';
    return reply;
  }
  const amount = Number(request['4'] ?? '0');
  if (amount > FLOOR_LIMIT) {
    reply['39'] = '61';
  } else {
    approvals += 1;
    reply['38'] = `SI${String(approvals % 10_000).padStart(4, '0')}`;
    reply['39'] = '00';
  }
  context.logger.info({ stan: request['11'], terminal: request['41'], responseCode: reply['39'] }, 'stand-in decision');
  return reply;
}
