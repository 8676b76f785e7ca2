import { responseCodeIn, responseTo } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { UPSTREAM_FAILURE_CODES, upstreamFailureCode } from '@iso8583/connector';

/**
 * ISO 8583:1987 response codes (field 39) the gateway answers with when the upstream cannot: the connector's
 * `UPSTREAM_FAILURE_CODES` (91 never reached the bank, 68 reached it or may have and is reversed, 94 a duplicate, 30 a
 * request that cannot be packed, 96 anything else).
 */
export const GATEWAY_RESPONSE_CODES = UPSTREAM_FAILURE_CODES;

/**
 * The response code for a failure of the upstream request: the connector's rule (`upstreamFailureCode`), which reads
 * first whether the request's first byte was written (the error's `sent`: `'no'` 91 whatever the code, `'maybe'` 68),
 * and the error's `code` only for an error without it.
 */
export function failureCode(err: unknown): string {
  return upstreamFailureCode(err);
}

/**
 * The answer the gateway gives a POS client itself when the upstream request failed, with the codec's response MTI
 * (a repeat 0401 is answered 0410, as the bank would), field 39 in the POS dialect's code for it (the codec's
 * `responseCodeIn`: a 1993 request, 1xxx, gets 907, 911, 913, 904 or 909, as does any request under `smartvista`, its
 * own `answerCodes`; the 1987 code when the POS `dialect`'s field 39 has 2 characters, the only one it can carry);
 * `undefined` for a message that expects no answer. `dialect`: the POS side's (default: none, by the MTI alone).
 */
export function failureReply(request: IsoMessage, err: unknown, dialect?: Pick<Dialect, 'fields'>): IsoMessage | undefined {
  const mti = String(request['0'] ?? '');
  return responseTo(request, responseCodeIn(dialect, mti, failureCode(err)));
}
