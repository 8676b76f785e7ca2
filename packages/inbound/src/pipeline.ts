import { performance } from 'node:perf_hooks';
import { isIso8583Error, mtiLabel, readMessage, recoverFields, sameDialect, summarize } from '@iso8583/codec';
import type { Decoded, Dialect, Frame, Iso8583Error, IsoMessage, MessageInput } from '@iso8583/codec';
import { MessageContext } from './context.js';
import type { EndpointCore, Peer } from './core.js';
import { codeOf, inboundError, type InboundErrorCode } from './errors.js';
import { EncodedReply } from './encoded-reply.js';
import { ReceivedMessage, fieldsAsReceived } from './inbound-message.js';
import { holdLate, lateResult } from './late-result.js';
import { SYSTEM_MALFUNCTION, recover } from './on-error.js';
import { handOver, undelivered } from './undelivered.js';
import { errorReply } from './response.js';
import { asPacked, frameReply, logFailure, noFallback, packFallback, sendFramed, writeReply } from './reply-write.js';
import { messageMask } from './message-mask.js';
import type { HeldMask } from './message-mask.js';
import type { LateHold } from './in-flight-jobs.js';
import { logSafely } from './safe-log.js';
import { checkReplyMti, noReply } from './reply-check.js';
import { isThenable } from './sequence.js';
import { asSequenceError } from './sequence-error.js';
import type { ResultSource, SequenceResult } from './sequence.js';
import type { Timed } from './deadlines.js';

const EMPTY = Buffer.alloc(0);

/** Response code 30: format error (the message does not decode); 904 in answers to 1993 MTIs (`errorReply`). */
const FORMAT_ERROR = '30';

function sequenceTimeout(mti: string, timeout: number): Iso8583Error {
  return inboundError('ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT', `the sequence did not settle within ${timeout} ms`, { mti });
}

/**
 * What one message needs from decode to reply; also the origin its context's logger is made from, and, while its
 * sequence runs, the entry of the endpoint's sequence deadlines (one object).
 */
export interface InFlight extends Timed {
  readonly core: EndpointCore;
  readonly frame: Frame;
  readonly decoded: Decoded;
  readonly peer: Peer;
  /**
   * The request's fields as the client sent them (`fieldsAsReceived`), not the sequence's `message.fields`, which it
   * may change: every card-data mask, failure line and endpoint-made reply of the message is made from them.
   */
  readonly fields: IsoMessage;
  readonly dialect: Dialect;
  readonly message: ReceivedMessage;
  context: MessageContext;
  readonly started: number;
  /** True once its sequence timed out, until a late result (if any) has been reported (see `lateResult`). */
  expired: boolean;
  /** Behind its sequence context's `signal`, once read: aborted when the sequence fails or times out (onError has its own). */
  abort?: AbortController;
  /** While it holds its place under `maxInFlight` after its timeout: the timer that frees it (late-result.ts `holdLate`). */
  lateHold?: LateHold;
  /** True once its onError timed out (its client answered 96), until onError settles (on-error.ts `runOnError`). */
  onErrorLate?: boolean;
  /** While its onError holds a place under `maxInFlight` after its own timeout (as `lateHold`). */
  onErrorHold?: LateHold;
  /** Its card-data mask, made on its first line (message-mask.ts: made again when the sequence changed its fields since). */
  heldMask?: HeldMask;
}

/**
 * Handles one frame: decode, call the sequence (and onError), pack and send the reply. Returns true when it is done
 * (a sequence that answers synchronously is handled synchronously); false when the sequence's promise is awaited, and
 * then `peer.handled()` is called once the reply is sent. Never throws for a message's sake: every failure is logged
 * with its code, counted, and answered where the standard expects it.
 */
export function handleFrame(core: EndpointCore, frame: Frame, peer: Peer): boolean {
  let decoded: Decoded;
  try {
    decoded = core.codec.decode(frame.payload);
  } catch (err) {
    decodeFailed(core, frame, peer, err);
    return true;
  }
  peer.wellFormed();
  const fields = decoded.message;
  const mti = typeof fields['0'] === 'string' ? fields['0'] : '';
  // A client may send any four digits: the metric labels and `byMti` keys stay bounded (the codec's `mtiLabel`).
  core.metrics.message(mtiLabel(mti));
  const header =
    frame.header.length === 0
      ? decoded.header
      : decoded.header.length === 0
        ? frame.header
        : Buffer.concat([frame.header, decoded.header]);
  const message = new ReceivedMessage(fields, frame.payload, header, mti);
  const job: InFlight = {
    core, frame, decoded, peer, fields: fieldsAsReceived(fields), dialect: core.codec.dialect, message, context: undefined as unknown as MessageContext, started: performance.now(), expired: false,
    deadline: 0, before: undefined, after: undefined, listed: false,
  };
  const context = new MessageContext(
    core.options.name, peer.remoteAddress, peer.remotePort, core.nextMessageId(), core.options.connectors, job,
  );
  job.context = context;
  let out: SequenceResult | PromiseLike<SequenceResult>;
  try {
    out = core.sequence(message, context);
  } catch (err) {
    handled(job, failed(job, err));
    return false;
  }
  let thenable: boolean;
  try {
    // A `then` getter may throw: that is the sequence failing, answered once like any other failure.
    thenable = isThenable(out);
  } catch (err) {
    handled(job, failed(job, err));
    return false;
  }
  if (thenable) {
    // The sequence timeout: the endpoint's deadline list (one timer for every message in flight), not a timer each.
    // The message is listed until its outcome is taken: its result, its failure, or its expiry (the list takes it out
    // before `sequenceExpired`), whichever comes first; an outcome that finds it no longer listed is not sent (one that
    // comes after the expiry is reported as late, `lateResult`; a second outcome of the same promise is ignored).
    core.deadlines.add(job);
    try {
      (out as PromiseLike<SequenceResult>).then(
        (result) => {
          if (!job.listed) return lateResult(job, result, undefined);
          core.deadlines.remove(job);
          let error: unknown;
          try {
            complete(job, result, 'sequence');
          } catch (err) {
            error = err;
          }
          tell(job, error);
        },
        (err: unknown) => {
          if (!job.listed) return lateResult(job, undefined, err);
          core.deadlines.remove(job);
          handled(job, failed(job, err));
        },
      );
    } catch (err) {
      // A `then` that throws (perhaps after calling back): the failure path, unless an outcome was taken already.
      if (!job.listed) return false;
      core.deadlines.remove(job);
      handled(job, failed(job, err));
    }
    return false;
  }
  complete(job, out as SequenceResult, 'sequence');
  return true;
}

/**
 * A message's sequence did not settle within the endpoint's `sequenceTimeout`: called by the deadline list, once, for
 * a message it listed and has just taken out (so its result or failure, if it comes later, is ignored).
 */
export function sequenceExpired(job: InFlight): void {
  job.expired = true;
  // It still runs (a slow bank): once its client is answered (`tell`), it keeps its place under `maxInFlight`.
  const timeout = sequenceTimeout(job.message.mti, job.core.options.sequenceTimeout);
  // An AbortController only for a message that expires (rare): a context that reads `signal` later finds it aborted.
  // One error, the abort's reason and the failure onError is given: a connector request the sequence passed `signal`
  // to puts on it, as the abort runs, whether the request may be at the host (`sent`: 'maybe' once written, else
  // 'no'), so that onError answers 68 (reversed) or 91, not 96, while the request is still at the bank.
  (job.abort ??= new AbortController()).abort(timeout);
  handled(job, failed(job, timeout));
}

/** Tells the peer once `reply` (the failure path's answer) is sent. */
function handled(job: InFlight, reply: Promise<void>): void {
  reply.then(
    () => tell(job, undefined),
    (err: unknown) => tell(job, err),
  );
}

/**
 * Tells the peer, once, that a message whose sequence was awaited is done (`err`: what failed on the way). A throw
 * from the peer itself is counted and logged as `ISO8583_ERR_INBOUND_INTERNAL`, never told again (the message would
 * be counted twice) and never left to escape (from a promise callback: an unhandled rejection, which ends the process).
 */
function tell(job: InFlight, err: unknown): void {
  // A sequence that timed out and still runs (it did not settle while onError ran: `lateResult`) keeps its place under
  // `maxInFlight` from here, as the message's own place is freed: one place, never two, for at most one more
  // `sequenceTimeout` (`holdLate`).
  if (job.expired) holdLate(job, 'sequence');
  // So does an onError that timed out and still runs (its client had the 96): a place of its own, until it settles.
  if (job.onErrorLate) holdLate(job, 'onError');
  try {
    job.peer.handled(err);
  } catch (thrown) {
    job.core.metrics.error('ISO8583_ERR_INBOUND_INTERNAL');
    logSafely(() => job.peer.logger.error({ code: 'ISO8583_ERR_INBOUND_INTERNAL', cause: codeOf(thrown) }, 'unexpected failure after a message was handled'));
  }
}

/**
 * The sequence failed or timed out: abort its `signal` with the error (as a timeout does), log and count it, then
 * answer through onError or with 96. The client is about to be told the message failed, so whatever the sequence
 * started with the signal and left running (a connector request it no longer awaits: another step of it threw) must
 * stop: never written, or written and reversed; the connector puts `sent` on the error as the abort runs, so onError
 * (given that error) answers 68 or 91, never an approval the bank keeps while the terminal is told it failed.
 */
async function failed(job: InFlight, err: unknown): Promise<void> {
  const error = asSequenceError(err, job.message.mti, 'main');
  const abort = (job.abort ??= new AbortController());
  if (!abort.signal.aborted) abort.abort(error);
  logFailure(job.core, job.peer, error.code as InboundErrorCode, job.fields, job.context.messageId, err, () => messageMask(job));
  const answer = await recover(job, error);
  complete(job, answer.result, answer.source);
}

/**
 * Sends a result; one a user's sequence built (`source`: the sequence or onError; undefined for the endpoint's own 96)
 * that finds its client gone goes to `undelivered`, and one that cannot be packed (answered 96) to `onLateResult` with
 * reason `reply-invalid`, saying which built it.
 */
function complete(job: InFlight, result: SequenceResult, source: ResultSource | undefined): void {
  job.core.metrics.sequenceLatency((performance.now() - job.started) / 1000);
  if (result === undefined) {
    // A forgotten `return` for a request that expects a response: said, never silent (`null` is the way to send nothing).
    if (source !== undefined) noReply(job.core, job.peer, job.fields, job.message.mti, job.context.messageId, source);
    return;
  }
  if (result === null) return;
  const told = source !== undefined && job.core.options.onLateResult !== undefined ? handOverLater(job, result, source) : undefined;
  if (!sendReply(job, result, told, source)) told?.();
}

/**
 * The hand-over of `result` to `onLateResult` should its client never get it (`undelivered`): it holds what the
 * hand-over needs (the core, the connection, the request, its context, the result), not the whole job (its decoded
 * frame, its fields as received), since a reply a reset of our own may lose keeps it a while (reply-notes.ts).
 */
function handOverLater(job: InFlight, result: SequenceResult, source: ResultSource): () => void {
  const { core, peer, message, context } = job;
  return () => undelivered(core, peer, message, context, result, source);
}

/**
 * Packs and writes `result` (false when the client has gone); one that cannot be packed is answered 96, echoing the
 * request as the client sent it (`job.fields`).
 */
function sendReply(job: InFlight, result: SequenceResult, told: (() => void) | undefined, source: ResultSource | undefined): boolean {
  const { core, frame, decoded, peer, message, context, fields, started } = job;
  let reply: MessageInput;
  let dialectHeader = decoded.header;
  let framed: Buffer;
  try {
    const headerLength = core.codec.dialect.headerLength ?? 0;
    if (result instanceof EncodedReply) {
      // Bytes in this endpoint's wire format, checked by whoever decoded them: sent as they are. Else: packed.
      if (headerLength === 0 && sameDialect(result.dialect, core.codec.dialect)) {
        if (source !== undefined) checkReplyMti(core, peer, fields, message.mti, result.message['0'], context.messageId, source);
        return sendFramed(core, peer, frameReply(core, frame, result.body), result.message, told, started, source !== undefined);
      }
      reply = result.message;
    } else if (typeof result === 'string') {
      // A jPOS XMLPackager dump read in this endpoint's dialect (jPOS's rule for `type`), as the connector reads one.
      const read = readMessage(result, { dialect: core.codec.dialect });
      reply = read.message;
      if (read.header !== undefined) {
        // The reply's header as the request's XML shows one: the dialect header, alone or after the fixed header bytes
        // (the reply's are the request's, TPDU swapped). Another length is refused (96), never cut, replaced or dropped:
        // without a dialect header, only none or the fixed header bytes (as the request's XML shows them) are one.
        const fixed = frame.header.length;
        if (read.header.length !== headerLength && read.header.length !== fixed + headerLength) {
          const expected = headerLength === 0
            ? `the dialect has none${fixed > 0 ? ` (the ${fixed} fixed header bytes alone may be given)` : ''}`
            : `the dialect's header ${headerLength}${fixed > 0 ? ` (or ${fixed + headerLength} with the fixed header bytes first)` : ''}`;
          throw inboundError('ISO8583_ERR_INBOUND_REPLY_INVALID', `the reply's header is ${read.header.length} bytes, ${expected}`, { field: 'header' });
        }
        dialectHeader = read.header.subarray(read.header.length - headerLength);
      }
    } else {
      // A message object goes to pack as it is: pack checks every field, and refuses what is not a message object
      // (null, an array, bytes: a Buffer's indexes would read as fields): REPLY_INVALID, answered 96.
      reply = result as MessageInput;
    }
    // Framed here, so that a reply too large for the frame (`maxFrameSize`, the length header's capacity) is refused
    // as one that does not pack: the client gets a 96, the result is handed over.
    const packed = core.codec.pack(reply, headerLength > 0 ? { header: dialectHeader } : {});
    framed = frameReply(core, frame, packed);
    // Counted and observed as the client gets it (`39: 0` goes as `000` in an `n 3` field 39), not as written.
    reply = asPacked(core, packed, reply);
    // Checked once packed: a reply that does not pack (no MTI, not four digits) is refused (96) below, not also
    // warned of as sent.
    if (source !== undefined) checkReplyMti(core, peer, fields, message.mti, reply['0'], context.messageId, source);
  } catch (err) {
    logFailure(core, peer, 'ISO8583_ERR_INBOUND_REPLY_INVALID', fields, context.messageId, err, () => messageMask(job));
    // The client gets a 96, not the sequence's result (a relayed approval its dialect cannot carry): handed over, once.
    // The 96 is then written without `told`, so that a client gone as well does not hand the result over again.
    if (told !== undefined && source !== undefined) handOver(core, peer, message, context, result, 'reply-invalid', source);
    const fallback = errorReply(fields, message.mti, SYSTEM_MALFUNCTION, core.codec.dialect);
    // No reply is due (the request was itself a response or an advice response): nothing to send.
    if (fallback === undefined) return true;
    const packed = packFallback(core, fallback, decoded.header);
    if (packed === undefined) {
      noFallback(core, peer, message.mti);
      return true;
    }
    if (told !== undefined) {
      writeReply(core, peer, frame, packed.bytes, packed.message, undefined, started);
      return true;
    }
    return writeReply(core, peer, frame, packed.bytes, packed.message, told, started);
  }
  // A result the sequence (or onError) produced: without onLateResult, its line if dropped is never capped.
  return sendFramed(core, peer, framed, reply, told, started, source !== undefined);
}

/** A frame that does not decode: count and log it, and answer with response code 30 when its MTI can be read. */
function decodeFailed(core: EndpointCore, frame: Frame, peer: Peer, err: unknown): void {
  core.metrics.error('ISO8583_ERR_INBOUND_DECODE');
  // One too many in a row (`maxFormatErrors`): the connection is closing, nothing more is spent on it.
  if (peer.formatError()) return;
  const field = isIso8583Error(err) ? err.field : undefined;
  const recovered = recoverFields(core.codec, frame.payload, field);
  // At most a few lines a second for the endpoint (see log-limit.ts in @iso8583/metrics); the metric counts every frame.
  const suppressed = core.decodeWarnings.take();
  if (suppressed !== undefined) {
    logSafely(() => peer.logger.warn(
      {
        code: 'ISO8583_ERR_INBOUND_DECODE',
        cause: codeOf(err),
        field,
        offset: isIso8583Error(err) ? err.offset : undefined,
        ...(suppressed > 0 ? { suppressed } : {}),
        ...(recovered === undefined ? {} : summarize(recovered)),
      },
      recovered === undefined ? 'a message that does not decode (no MTI): dropped' : 'a message that does not decode: response code 30',
    ));
  }
  if (recovered === undefined) return;
  const mti = recovered['0'];
  if (typeof mti !== 'string') return;
  const reply = errorReply(recovered, mti, FORMAT_ERROR, core.codec.dialect);
  if (reply === undefined) return;
  const decodedHeaderLength = core.codec.dialect.headerLength ?? 0;
  const dialectHeader = decodedHeaderLength > 0 ? frame.payload.subarray(0, decodedHeaderLength) : EMPTY;
  const packed = packFallback(core, reply, dialectHeader);
  if (packed === undefined) return;
  writeReply(core, peer, frame, packed.bytes, packed.message);
}
