/**
 * A reply made from its request by software that is not the issuer (an endpoint answering a format error, a gateway
 * answering for a bank that cannot): the response MTI (`responseMti`), the request's fields that identify the
 * transaction echoed, and field 39. One rule for the inbound endpoint and the gateway.
 */
import { responseMti } from './mti.js';
import type { IsoMessage } from './types.js';

/**
 * The fields a reply echoes from its request, as issuers do in ISO 8583 responses: the keys a sender matches a
 * response by (7 transmission date and time, 11 STAN, 32 acquirer, 41 terminal, 37 RRN) and the transaction's identity
 * (2 PAN, 3 processing code, 4 amount, 12/13 local time and date, 42 merchant, 49 currency, 70 network management
 * code, 90 original data elements). The PAN is echoed as a bank's response echoes it (the terminal sent it on the
 * same connection; every log masks it); track data (35, 36, 45), the PIN block (52), security data (53) and EMV data
 * (55) never are.
 */
export const RESPONSE_ECHOED_FIELDS: readonly string[] = ['2', '3', '4', '7', '11', '12', '13', '32', '37', '41', '42', '49', '70', '90'];

/**
 * The reply to `request` with field 39 set to `responseCode`: the response MTI of the request's MTI (field 0, or
 * `mti` when given: the MTI read where the rest did not decode) and the {@link RESPONSE_ECHOED_FIELDS} it holds as
 * text. `undefined` when the request expects no reply (itself a response, an acknowledgement, not an MTI).
 */
export function responseTo(request: IsoMessage, responseCode: string, mti: string = String(request['0'] ?? '')): IsoMessage | undefined {
  const replyMti = responseMti(mti);
  if (replyMti === undefined) return undefined;
  const reply: IsoMessage = { '0': replyMti };
  for (const field of RESPONSE_ECHOED_FIELDS) {
    const value = request[field];
    if (typeof value === 'string') reply[field] = value;
  }
  reply['39'] = responseCode;
  return reply;
}
