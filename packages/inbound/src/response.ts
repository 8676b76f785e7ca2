import type { IsoMessage, MessageInput } from '@iso8583/codec';

/**
 * The response MTI of a request: the third digit (message function) goes from request (0) to request response (1),
 * or from advice (2) to advice response (3); the fourth (origin) becomes 0, so a repeat (0401, 0421) is answered
 * like the original (0410, 0430). `undefined` for anything that is itself a response or expects none.
 */
export function responseMti(mti: string): string | undefined {
  if (!/^\d{4}$/.test(mti)) return undefined;
  const fn = mti.charCodeAt(2) - 48;
  if (fn !== 0 && fn !== 2) return undefined;
  return `${mti.slice(0, 2)}${fn + 1}0`;
}

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
