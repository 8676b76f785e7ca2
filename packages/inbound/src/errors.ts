import { Iso8583Error, safeErrorCode } from '@iso8583/codec';
import type { FieldProblem } from '@iso8583/codec';

/**
 * Every failure of the inbound endpoint has a stable `code` listed here (match on `err.code`, never on the text).
 * Each one is logged with its code and counted in `stats().errorsByCode` and the `iso8583_inbound_errors_total`
 * metric. No error text contains a field value or card data.
 */
export const INBOUND_ERROR_CODES = {
  ISO8583_ERR_INBOUND_OPTIONS:
    'Invalid endpoint options; `problems` names every offending option (checked against the inbound schema of `connector-manifest.json`; `tls.cert`, `tls.key`, `tls.ca` that Node\'s TLS cannot use, with OpenSSL\'s reason, never the material). Also invalid host simulator options (`createHostSimulator`: a card named by its position, never its PAN).',
  ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND:
    'A sequence reference that is neither a registered name nor a module exporting a function (default export or `sequence`).',
  ISO8583_ERR_INBOUND_LISTEN: 'The listener could not bind its host and port (or the endpoint was started after close; a second `start()` while it runs resolves with the same port).',
  ISO8583_ERR_INBOUND_DECODE:
    'A frame that does not decode under the dialect; answered with response code 30 when its MTI can be read, otherwise dropped.',
  ISO8583_ERR_INBOUND_FRAMING:
    'Broken framing (a length header over the maximum frame size, or not a number): the connection is closed, once the requests read before it are answered.',
  ISO8583_ERR_INBOUND_SEQUENCE_FAILED:
    'The sequence threw or rejected; the onError sequence is called, or the reply carries response code 96.',
  ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT:
    'The sequence did not settle within `sequenceTimeout`; handled like a failure (onError, or response code 96). The same error is the reason `context.signal` is aborted with: a connector request given the signal puts on it, as the abort runs, whether it may be at the host (`sent`: `\'maybe\'` written, `\'no\'` never), so that onError\'s `upstreamFailureCode` answers 68 (reversed) or 91, not 96.',
  ISO8583_ERR_INBOUND_REPLY_INVALID:
    'The sequence (or onError sequence) returned a reply that cannot be read or packed; the reply carries response code 96.',
  ISO8583_ERR_INBOUND_REPLY_UNEXPECTED:
    'The sequence (or onError sequence) returned no reply (`undefined`) for a request that expects a response (nothing is sent: `null` is the way to send nothing), or a reply whose MTI is not the request\'s response MTI (sent as it is); logged at warn, at most 20 lines a second.',
  ISO8583_ERR_INBOUND_NOT_ALLOWED: 'A connection from an address outside the `allow` list; closed at once.',
  ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS:
    'A connection over `maxConnections` while every connection held has sent a message; closed at once.',
  ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS:
    'A connection over `maxConnectionsPerAddress` from one address (an IPv6 client: its /64) while every connection that address holds has sent a message; closed at once (the other addresses keep their slots).',
  ISO8583_ERR_INBOUND_EVICTED:
    'At `maxConnections`, the oldest connection that had sent no complete message yet was closed to make room for a new one (at `maxConnectionsPerAddress`, the oldest such connection of the same address).',
  ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT:
    'No complete message within `firstMessageTimeout` of accept (TLS handshake included); the connection is closed.',
  ISO8583_ERR_INBOUND_READ_TIMEOUT: 'A frame was started but not completed within `readTimeout`; the connection is closed, once the requests read before it are answered.',
  ISO8583_ERR_INBOUND_IDLE_TIMEOUT: 'No bytes and no message in flight for `idleTimeout`; the connection is closed.',
  ISO8583_ERR_INBOUND_TLS: "A TLS handshake failed (bad or missing client certificate with `requestCert`, protocol error, the client's close during it: one refusing the endpoint's certificate; `certificate` names the endpoint's own when it is outside its validity).",
  ISO8583_ERR_INBOUND_SOCKET: 'A connection failed (reset by the peer, write after the peer left); the connection is closed.',
  ISO8583_ERR_INBOUND_LATE_REPLY:
    'A sequence settled after its `sequenceTimeout` (the client already had its timeout answer): the late result is not sent; it is logged, counted and handed to `onLateResult`.',
  ISO8583_ERR_INBOUND_FORMAT_ERRORS:
    'A connection sent `maxFormatErrors` frames in a row that do not decode: it is closed, once the requests in flight are answered (the frames of other clients keep their turn).',
  ISO8583_ERR_INBOUND_CLIENT_GONE: 'A reply was ready but the client had already disconnected (or the connection closed before the reply was written); the reply is dropped, and a result of the sequence or of onError is handed to `onLateResult` (`client-gone`, with its `source`).',
  ISO8583_ERR_INBOUND_CLOSING:
    'A connection accepted, or whose TLS handshake ended, after `close()` began: the endpoint takes no new connection while closing; closed at once, nothing read, the connections already open drained as the close says. Logged at `warn` and counted (not as a failed handshake).',
  ISO8583_ERR_INBOUND_CLOSED:
    'The endpoint closed while the sequence (or onError) still ran: `close()` gave up on it (its deadline passed) or `destroy()` cut it short. The reason `context.signal` is aborted with, so that what the sequence started with the signal stops: a connector request given the signal is never written, or, written, is no longer awaited (reversed, as after its timeout), and puts on this error whether it may be at the host (`sent`); a timer (the host simulator\'s `delay`) is cleared. A signal aborted before (a `sequenceTimeout`, a failure) keeps its reason. Logged once for the close (warn, with `sequences`), counted for each sequence.',
  ISO8583_ERR_INBOUND_INTERNAL:
    'An unexpected failure inside the endpoint while handling a message (a bug): logged and counted, the connection stays (one whose reading cannot go on after waiting for a `maxInFlight` place is closed).',
} as const;

/** A stable error code of the inbound endpoint. */
export type InboundErrorCode = keyof typeof INBOUND_ERROR_CODES;

declare module '@iso8583/codec' {
  /** The inbound endpoint's codes are codes of `Iso8583Error`. */
  interface Iso8583ErrorCodes {
    /** {@link INBOUND_ERROR_CODES}. */
    inbound: InboundErrorCode;
  }
}

/** Context of an inbound error: never a value, only names and positions. */
export interface InboundErrorContext {
  /** The option or field concerned. */
  field?: string;
  /** The MTI of the message concerned, when known. */
  mti?: string;
  /** Every offending option. */
  problems?: FieldProblem[];
  /** The underlying error. */
  cause?: unknown;
}

/** Makes an inbound error; the text says what failed and where, never a value. */
export function inboundError(code: InboundErrorCode, reason: string, context: InboundErrorContext = {}): Iso8583Error {
  let text = reason;
  if (context.mti !== undefined) text = `MTI ${context.mti}: ${text}`;
  return new Iso8583Error(code, text, context);
}

/**
 * The code of any error as a log, a metric label or an error text may show it (an `Iso8583Error` code, a Node `code`
 * such as `ECONNRESET`; `ERR_UNKNOWN` when it has none). A `code` that is not shaped like one (a sequence's
 * `'DECLINED_' + track2`) comes back as `ERR_CODE_WITHHELD` (the codec's `safeErrorCode`): never card data.
 */
export function codeOf(err: unknown): string {
  return safeErrorCode(err) ?? 'ERR_UNKNOWN';
}
