import { responseCodeFor, responseTo } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

/** ISO 8583:1987 response codes (field 39) the gateway answers with when the upstream cannot. */
export const GATEWAY_RESPONSE_CODES = {
  /** Issuer or switch inoperative: the link is down, closing, or refused the request: it never reached the bank. */
  unavailable: '91',
  /**
   * Response received too late: the request reached the bank, or may have (no answer in time, an answer that does not
   * decode, the connection lost while it waited, its outcome not recorded), and is reversed.
   */
  timeout: '68',
  /** Duplicate transmission: a request with the same MTI, STAN and terminal is already in flight. */
  duplicate: '94',
  /** Format error: the request could not be packed for the upstream. */
  format: '30',
  /** System malfunction: anything else. */
  malfunction: '96',
} as const;

/**
 * Connector codes raised before the request's first byte was written (no connection, a limit, a queue, the overall
 * deadline, a routing rule's upstream down, the connector closing): the bank never had it, nothing is reversed.
 */
const NEVER_SENT: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_SIGN_ON',
  'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
  'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT',
  'ISO8583_ERR_CONNECTOR_QUEUE_FULL',
  'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_DEADLINE',
  'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN',
  'ISO8583_ERR_CONNECTOR_CLOSED',
]);

/**
 * Connector codes of a request that was written, or may have been: no answer in time, an answer matched by its key
 * that does not decode, the connection closed (or its framing broke) while the request waited, and the journal or the
 * store, which fail before the write (nothing leaves unjournaled) or after the bank's answer, whose outcome could not
 * be recorded. The connector reverses such a request (a reversible one, reversal on); the terminal is told 68, as for
 * a timeout, never 91 ("not sent"), on which it might send the purchase again as new.
 */
const MAYBE_AT_THE_BANK: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_BAD_RESPONSE',
  'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
  'ISO8583_ERR_CONNECTOR_JOURNAL',
  'ISO8583_ERR_CONNECTOR_STORE',
  'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST',
]);

/**
 * The response code for a failure of the upstream request, read from the error's `code`: 91 only for a request that
 * never reached the bank, 68 for one that did or may have (and is reversed), 94 a duplicate, 30 a request that cannot
 * be packed, 96 anything else (a connector code not listed here included: it says nothing of the bank).
 */
export function failureCode(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (MAYBE_AT_THE_BANK.has(code)) return GATEWAY_RESPONSE_CODES.timeout;
  if (NEVER_SENT.has(code)) return GATEWAY_RESPONSE_CODES.unavailable;
  if (code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY') return GATEWAY_RESPONSE_CODES.duplicate;
  if (code === 'ISO8583_ERR_INVALID_MESSAGE' || code.startsWith('ISO8583_ERR_FIELD') || code === 'ISO8583_ERR_MTI') {
    return GATEWAY_RESPONSE_CODES.format;
  }
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
