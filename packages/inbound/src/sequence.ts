import type { Logger } from 'pino';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import type { Iso8583Error } from '@iso8583/codec';
import type { EncodedReply } from './encoded-reply.js';

/**
 * What a sequence returns: the reply as `ISOMessage` XML text (a string starting with `<`; a jPOS XMLPackager dump is
 * read in the endpoint's dialect by jPOS's rule for `type`, as the connector reads one), JSON text (any other string),
 * a message object, or an {@link EncodedReply} (a relayed wire image); `null`/`undefined` for no reply.
 */
export type SequenceResult = string | MessageInput | EncodedReply | null | undefined | void;

/** One message received by the endpoint, as handed to a sequence. */
export interface InboundMessage {
  /**
   * The decoded message, keyed by field number (`"0"` is the MTI): the sequence's to change (the endpoint keeps its
   * own copy, taken at decode, for its card-data masks, failure lines and response code 96).
   */
  readonly fields: IsoMessage;
  /**
   * The `ISOMessage` XML of the message (the WSO2 inbound shape); built on first read, so unused it costs nothing.
   * XML 1.0 cannot carry control characters other than tab, line feed and carriage return: a message that holds one
   * (only an endpoint with `lenient: true` accepts them, e.g. a NUL or ESC in an `ans` field) cannot be shown as XML,
   * and reading `xml` throws `ISO8583_ERR_INVALID_MESSAGE` naming the field (never its value). A sequence may catch
   * it and use `fields`; uncaught, it is the sequence failing (onError, or response code 96).
   */
  readonly xml: string;
  /** The message bytes as received (from the MTI, or the dialect header, on; without length or frame header). */
  readonly raw: Buffer;
  /** The header bytes before the MTI: the frame's fixed header (e.g. a TPDU), then the dialect's header. */
  readonly header: Buffer;
  /** The MTI, e.g. `0200`. */
  readonly mti: string;
}

/** What a sequence knows about the message's origin, and the tools it may use. */
export interface SequenceContext {
  /** The endpoint's name. */
  endpoint: string;
  /** The client's IP address. */
  remoteAddress: string;
  /** The client's port. */
  remotePort: number;
  /** A unique id of this message, also on every log line about it. */
  messageId: string;
  /**
   * A pino child logger with `endpoint` and `messageId` bound (made on first use). It masks this message's card data
   * (PAN, track 1/2/3, PIN block, field 53, EMV data, the dialect's CVV fields) wherever it appears in what is logged,
   * and redacts the usual paths (`fields["2"]`, `xml`, ...) for any message; still, log summaries, not messages.
   */
  logger: Logger;
  /** The `connectors` option of the endpoint (e.g. an outbound connector to forward to). */
  connectors: Record<string, unknown>;
  /** For an onError sequence: the coded error that sent the message there. Absent for the main sequence. */
  error?: Iso8583Error;
  /**
   * The endpoint's dialect: what a sequence writes its own response codes by, `responseCodeIn(context.dialect, mti,
   * '91')` (the codec's: `907` for a 1xxx MTI, the dialect's `answerCodes` where it names them, `9001` in a jPOS CMF
   * field 39 of 4 characters where a bare `91` would go out as `0091`, an approval there). Optional for contexts made
   * by hand (tests).
   */
  readonly dialect?: Dialect;
  /**
   * Aborted when the endpoint gives up on the message: its `sequenceTimeout` passed, or the sequence failed (threw or
   * rejected, perhaps while a request it started runs on); the client is answered by onError or with 96, and a later
   * result is only reported to `onLateResult`; so that slow work can stop and, above all, not move money for a client
   * told it failed. onError gets a signal of its own, live when it starts (a request it sends with it goes out),
   * aborted when onError fails or its own `sequenceTimeout` passes (the client then gets 96), with that failure as its
   * reason. Also aborted, with `ISO8583_ERR_INBOUND_CLOSED`, when the endpoint's `close()` gives up on a sequence (or
   * onError) still running (its deadline passed, or `destroy()`), so that a timer or request it started stops and the
   * process can exit; a signal aborted before keeps its reason. Made on first read. Optional for contexts made by hand
   * (tests).
   * Pass it to every connector request (`{ signal: context.signal }`): its reason is the error the onError sequence
   * gets as `error` (`ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT` or `ISO8583_ERR_INBOUND_SEQUENCE_FAILED`), on which the
   * connector puts, as the abort runs, whether the request may be at the host (`sent`), so that onError answers 68 or
   * 91, not 96.
   */
  readonly signal?: AbortSignal;
  /**
   * Aborted when the message's connection closes: the client left (a POS that gave up), and no reply can reach it
   * (with `allowHalfOpen`, a client's FIN alone is not a close: it still waits for its answers; the gateway turns it
   * off). One signal per connection, shared by its messages, made on first read; optional for contexts made by hand (tests). Pass it to a connector request
   * (`{ signal: context.gone }`) to have the request dropped, never sent, while it still waits (its terminal's turn, a
   * connection): its reason (`ISO8583_ERR_INBOUND_CLIENT_GONE`) is marked client-gone, so a request already written is
   * not touched: its answer comes back as usual (an approval the client never gets goes to `onLateResult`).
   */
  readonly gone?: AbortSignal;
}

/**
 * A sequence: handles one inbound message and returns the reply (or nothing). It may be async; it runs
 * concurrently with the other messages of the same connection.
 */
export type Sequence = (message: InboundMessage, context: SequenceContext) => SequenceResult | Promise<SequenceResult>;

/**
 * Whether a sequence's return value is awaited by the endpoint: any object with a `then` method (a Promise, or another
 * promise-like). A wrapper of a sequence that watches its outcome reads it by the same rule.
 */
export function isThenable(value: unknown): value is PromiseLike<SequenceResult> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Why a sequence's result never reached its client: `sequence-timeout`, it came after the message's `sequenceTimeout`
 * (the client already had its timeout answer); `client-gone`, the client's connection closed before it could be
 * written (a reset, a close, or, with `allowHalfOpen: false`, the client's FIN); `reply-invalid`, it could not be read
 * or packed in the endpoint's dialect (`ISO8583_ERR_INBOUND_REPLY_INVALID`: a relayed answer whose field 39 the
 * client's dialect cannot carry, say), and the client got a response code 96 instead.
 */
export type UndeliveredReason = 'sequence-timeout' | 'client-gone' | 'reply-invalid';

/**
 * Which sequence built a result that never reached its client: `sequence`, the endpoint's sequence; `onError`, its
 * onError, answering a failure of the sequence (an approval built from the bank's answer the failure carried, say).
 */
export type ResultSource = 'sequence' | 'onError';

/**
 * Told of a result that never reached its client: the result as the sequence (or onError) returned it, the message,
 * its context (the message's own, as the sequence got it) and why (`reason`), and which built it (`source`; a handler
 * of four parameters may leave it out). See `InboundOptions.onLateResult`.
 */
export type LateResultHandler = (result: SequenceResult, message: InboundMessage, context: SequenceContext, reason: UndeliveredReason, source: ResultSource) => void;
