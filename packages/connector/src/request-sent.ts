/**
 * Whether a failed request may be at the host, and the response code (field 39) a terminal is told for it. A request
 * whose first byte was never handed to a socket never reached the bank: the terminal may send it again as new (91). One
 * that was written, or may have been, may be approved there: the connector reverses it (a reversible one, reversal
 * on), and the terminal is told 68 (response received too late), never 91. The request's one outcome
 * (request-outcome.ts) puts `sent` on its error; the rule here reads it first, and the error's code only when an error
 * lacks it (one that never was a request's: a start failure, a group's own refusal).
 */
import type { Iso8583Error } from '@iso8583/codec';

/** Whether a failed request's first byte was written: `'no'` never (the host never had it), `'maybe'` it was. */
export type RequestSent = 'no' | 'maybe';

declare module '@iso8583/codec' {
  interface Iso8583Error {
    /**
     * On the error of a failed connector request: `'no'` its first byte was never written (the host never had it;
     * nothing is reversed), `'maybe'` it was written (the host may have it, or answered it: a reversible request is
     * reversed). Set once the request settles, whatever its code; absent on an error that was no request's outcome.
     * Never card data.
     */
    sent?: RequestSent;
  }
}

/**
 * Puts on `err` (an object) whether its request's first byte was `written`, and returns it. An error already saying
 * `'maybe'` keeps it (one error object may fail several requests, as the reason of a `destroy()`: the safe answer wins).
 */
export function markSent<E>(err: E, written: boolean): E {
  if (err === null || typeof err !== 'object' || !Object.isExtensible(err)) return err;
  const carrier = err as { sent?: RequestSent };
  if (carrier.sent !== 'maybe') carrier.sent = written ? 'maybe' : 'no';
  return err;
}

/**
 * The request's own error in `err`'s `cause` chain (an inbound `SEQUENCE_FAILED` wraps it): the first that says `sent`
 * `'maybe'` (anywhere in the chain: a wrapper marked `'no'` by a later request that was dropped unwritten must not hide
 * a cause that was written, the safe answer wins), else the first that says `'no'`, else the first with a connector
 * code (`ISO8583_ERR_CONNECTOR_*`), else `err` itself.
 */
function requestFailure(err: unknown): Partial<Iso8583Error> | undefined {
  let coded: unknown;
  let never: unknown;
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
    const { sent, code } = e as { sent?: unknown; code?: unknown };
    if (sent === 'maybe') return e as Partial<Iso8583Error>;
    if (never === undefined && sent === 'no') never = e;
    if (coded === undefined && typeof code === 'string' && code.startsWith('ISO8583_ERR_CONNECTOR_')) coded = e;
    e = (e as { cause?: unknown }).cause;
  }
  const found = never ?? coded ?? err;
  return found !== null && typeof found === 'object' ? (found as Partial<Iso8583Error>) : undefined;
}

/**
 * The `sent` of `err` or of its `cause` chain (an inbound `SEQUENCE_FAILED` wraps it): `'maybe'` when any error of the
 * chain says so, else `'no'` when one does.
 */
export function requestSent(err: unknown): RequestSent | undefined {
  return requestFailure(err)?.sent;
}

/** ISO 8583:1987 response codes (field 39) for a request the upstream could not answer. */
export const UPSTREAM_FAILURE_CODES = {
  /** Issuer or switch inoperative: the request never reached the bank (the link down, closing, or a limit refused it). */
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
 * The fallback for an error without `sent`: connector codes only ever raised before a request's first byte was written
 * (no connection, a limit, a queue, the overall deadline, a routing rule's upstream down, the connector closing, the
 * store's key recorded for another bank: its reversal refused before the write).
 */
const NEVER_SENT: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_SIGN_ON',
  'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
  'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT',
  'ISO8583_ERR_CONNECTOR_QUEUE_FULL',
  'ISO8583_ERR_CONNECTOR_SAF_FULL',
  'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_DEADLINE',
  'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN',
  'ISO8583_ERR_CONNECTOR_CLOSED',
  'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK',
]);

/**
 * The fallback for an error without `sent`: connector codes of a request that was written or may have been (no answer
 * in time, an undecodable answer, the connection lost while it waited, the journal or the store, which fail before the
 * write or after the bank's answer).
 */
const MAYBE_SENT: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_BAD_RESPONSE',
  'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
  'ISO8583_ERR_CONNECTOR_JOURNAL',
  'ISO8583_ERR_CONNECTOR_STORE',
  'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST',
]);

/**
 * The 1987 response code (field 39) for a failed upstream request (its error, or an error whose `cause` chain holds
 * it): first from `sent` (`'no'`: 91, `'maybe'`: 68) whatever the code, except a duplicate (94) or a request that
 * cannot be packed (30), which were never written; without `sent`, from the code: 91 for a code only raised before the
 * write, 68 for one raised after it or maybe, 96 for anything else. `responseCodeFor` (codec) gives its 1993 form.
 */
export function upstreamFailureCode(err: unknown): string {
  const failure = requestFailure(err);
  const code = String(failure?.code ?? '');
  if (code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY') return UPSTREAM_FAILURE_CODES.duplicate;
  if (code === 'ISO8583_ERR_INVALID_MESSAGE' || code.startsWith('ISO8583_ERR_FIELD') || code === 'ISO8583_ERR_MTI') {
    return UPSTREAM_FAILURE_CODES.format;
  }
  const sent = failure?.sent;
  if (sent === 'maybe' || (sent === undefined && MAYBE_SENT.has(code))) return UPSTREAM_FAILURE_CODES.timeout;
  if (sent === 'no' || NEVER_SENT.has(code)) return UPSTREAM_FAILURE_CODES.unavailable;
  return UPSTREAM_FAILURE_CODES.malfunction;
}
