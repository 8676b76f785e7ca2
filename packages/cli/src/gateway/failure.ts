import { responseCodeFor, responseTo } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

/** ISO 8583:1987 response codes (field 39) the gateway answers with when the upstream cannot. */
export const GATEWAY_RESPONSE_CODES = {
  /** Issuer or switch inoperative: the link is down, closing, or refused the request. */
  unavailable: '91',
  /** Response received too late: the upstream did not answer in time (the request is reversed). */
  timeout: '68',
  /** Duplicate transmission: a request with the same MTI, STAN and terminal is already in flight. */
  duplicate: '94',
  /** Format error: the request could not be packed for the upstream. */
  format: '30',
  /** System malfunction: anything else. */
  malfunction: '96',
} as const;

/** The response code for a failure of the upstream request, read from the error's `code`. */
export function failureCode(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') return GATEWAY_RESPONSE_CODES.timeout;
  if (code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY') return GATEWAY_RESPONSE_CODES.duplicate;
  if (code === 'ISO8583_ERR_INVALID_MESSAGE' || code.startsWith('ISO8583_ERR_FIELD') || code === 'ISO8583_ERR_MTI') {
    return GATEWAY_RESPONSE_CODES.format;
  }
  if (code.startsWith('ISO8583_ERR_CONNECTOR_')) return GATEWAY_RESPONSE_CODES.unavailable;
  return GATEWAY_RESPONSE_CODES.malfunction;
}

/**
 * The answer the gateway gives a POS client itself when the upstream request failed, with the codec's response MTI
 * (a repeat 0401 is answered 0410, as the bank would), field 39 in the edition of the request's MTI (the codec's
 * `responseCodeFor`: a 1993 request, 1xxx, gets 907, 911, 913, 904 or 909); `undefined` for a message that expects no
 * answer.
 */
export function failureReply(request: IsoMessage, err: unknown): IsoMessage | undefined {
  const mti = String(request['0'] ?? '');
  return responseTo(request, responseCodeFor(mti, failureCode(err)));
}
