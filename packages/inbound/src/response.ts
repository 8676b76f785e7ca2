import { responseMti } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';

/**
 * The response MTI of a request: the codec's one rule (jPOS `setResponseMTI`; 0401 -> 0410, 0202 -> 0212), kept
 * exported here for compatibility. `undefined` for anything that is itself a response or expects none.
 */
export { responseMti };

/**
 * The fields a reply built by the endpoint (response code 30 or 96) echoes from the request: the keys that the
 * sender matches a response by (11 STAN, 41 terminal, 7 and 32 for the host-to-host key, 37 RRN) and the
 * transaction's identity (2 PAN, 3 processing code, 4 amount, 12/13 local time and date, 42 merchant, 49 currency,
 * 70 network code, 90 original data). Never track data, PIN or EMV data.
 */
export const ECHOED_FIELDS: readonly string[] = ['2', '3', '4', '7', '11', '12', '13', '32', '37', '41', '42', '49', '70', '90'];

/** A reply to `request` with only the echoed keys and field 39 set to `responseCode`; `undefined` when no reply is due. */
export function errorReply(request: IsoMessage, mti: string, responseCode: string): MessageInput | undefined {
  const replyMti = responseMti(mti);
  if (replyMti === undefined) return undefined;
  const reply: MessageInput = { 0: replyMti };
  for (const field of ECHOED_FIELDS) {
    const value = request[field];
    if (typeof value === 'string') reply[field] = value;
  }
  reply['39'] = responseCode;
  return reply;
}
