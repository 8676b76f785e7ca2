import { RESPONSE_ECHOED_FIELDS, responseCodeIn, responseMti, responseTo } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';

/**
 * The response MTI of a request: the codec's one rule (jPOS `setResponseMTI`; 0401 -> 0410, 0202 -> 0212), kept
 * exported here for compatibility. `undefined` for anything that is itself a response or expects none.
 */
export { responseMti };

/**
 * The fields a reply built by the endpoint (response code 30 or 96) echoes from the request: the codec's one set
 * (`RESPONSE_ECHOED_FIELDS`: 2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 70, 90; never track, PIN or EMV data).
 */
export const ECHOED_FIELDS: readonly string[] = RESPONSE_ECHOED_FIELDS;

/**
 * A reply to `request` (whose MTI is `mti`) with only the echoed keys and field 39 saying what the ISO 8583:1987
 * `responseCode` says, in the edition of the MTI (the codec's `responseCodeIn`: `30` -> `904` and `96` -> `909` for
 * a 1xxx MTI, unless `dialect`'s field 39 has 2 characters: then the 1987 code, the only one it can carry);
 * `undefined` when no reply is due. `dialect`: the endpoint's (default: none, by the MTI alone).
 */
export function errorReply(request: IsoMessage, mti: string, responseCode: string, dialect?: Pick<Dialect, 'fields'>): MessageInput | undefined {
  return responseTo(request, responseCodeIn(dialect, mti, responseCode), mti);
}
