/**
 * Writing a reply to the client that sent its request: framing it (the reply header rule), counting it by MTI and
 * response code, what happens when the client has gone, and the endpoint's own answers (30, 96) packed small enough
 * to go out when the request's echoed values do not pack; the log line of a message the endpoint could not handle.
 */
import { encodeFrame, mtiLabel, replyHeader, responseCodeLabel, summarize } from '@iso8583/codec';
import type { Dialect, Frame, IsoMessage, MessageInput } from '@iso8583/codec';
import { CardDataMask } from './card-data-mask.js';
import type { EndpointCore, Peer } from './core.js';
import type { InboundErrorCode } from './errors.js';
import { droppedLater } from './undelivered.js';
import { observeReply } from './reply-observer.js';
import { replyDroppedLine } from './connection-lines.js';
import { errorForLog, logSafely } from './safe-log.js';
import { KEPT_REVERSIBLE } from './reply-notes.js';
import type { LostReply } from './reply-notes.js';

/**
 * Frames and writes a reply, and counts it by MTI and response code; false when the client has gone (dropped). `told`:
 * called (see `undelivered`) when the reply, once accepted, never reaches the socket (`droppedLater`, `onReply` told again: `cut`). `started`: when
 * its request was read (`performance.now()`), for `onReply`'s latency. For the endpoint's own replies (a 30, a 96):
 * its lines are capped (a sequence's result goes through {@link sendFramed} with `produced`).
 */
export function writeReply(core: EndpointCore, peer: Peer, frame: Frame, bytes: Buffer, reply: MessageInput, told?: () => void, started?: number): boolean {
  let framed: Buffer;
  try {
    framed = frameReply(core, frame, bytes);
  } catch (err) {
    logFailure(core, peer, 'ISO8583_ERR_INBOUND_REPLY_INVALID', reply as IsoMessage, undefined, err);
    return true;
  }
  return sendFramed(core, peer, framed, reply, told, started);
}

/**
 * A reply's bytes framed for the client that sent `frame`: throws the codec's coded error when they do not fit the
 * frame (`maxFrameSize`, or what the length header can say: `ISO8583_ERR_FRAME_TOO_LARGE`).
 */
export function frameReply(core: EndpointCore, frame: Frame, bytes: Buffer): Buffer {
  // The one rule for a reply's fixed header: a 5-byte TPDU swapped, any other header echoed.
  return encodeFrame(bytes, core.framing, frame.header.length > 0 ? replyHeader(frame.header) : undefined);
}

/**
 * Writes a framed reply and counts it, as {@link writeReply} (false when the client has gone). `produced`: the reply is
 * a result a sequence (or onError) produced, not the endpoint's own (a 30, a 96): see {@link replyDroppedLine};
 * default false.
 */
export function sendFramed(core: EndpointCore, peer: Peer, framed: Buffer, reply: MessageInput, told?: () => void, started?: number, produced = false): boolean {
  const mti = reply['0'];
  // The reply's MTI is the sequence's choice (it may echo what the client sent): bounded like the request's.
  const label = { mti: mtiLabel(typeof mti === 'string' ? mti : String(mti)), rc: responseCodeLabel(reply['39'], 'none') };
  // Every reply, the endpoint's own (30, 96) too, is watched: one the connection's destroy cuts before it left is taken
  // off the replies counted and counted undelivered (`droppedLater`), whether or not `onLateResult` is set; so is one
  // the kernel took that a reset of our own throws away (`lostInReset`, by its note: reply-notes.ts).
  const capped = cappedDrop(core, produced);
  const notes = peer.replyNotes;
  const token = notes === undefined ? -1 : notes.note(core, reply, told, capped);
  const dropped = (): void => {
    if (token >= 0) notes?.release(token, false);
    droppedLater(core, peer, reply as IsoMessage, label, told, capped);
  };
  if (!peer.send(framed, dropped, token)) {
    if (token >= 0) notes?.release(token, false);
    core.metrics.error('ISO8583_ERR_INBOUND_CLIENT_GONE');
    replyDroppedLine(core.closeLines, peer.logger, reply as IsoMessage, false, capped);
    return false;
  }
  core.metrics.reply(label.mti, label.rc);
  if (core.options.onReply !== undefined) observeReply(core, peer, reply as IsoMessage, started === undefined ? {} : { latencyMs: performance.now() - started });
  return true;
}

/** The code an approval lost in a reset of our own without its hand-over is counted and logged under. */
export const NOT_REVERSED_WARNING = 'ISO8583_WARN_INBOUND_NOT_REVERSED';

/**
 * A reply the kernel took that a reset of our own threw away (codec recent-writes.ts: a client flooding without
 * reading), told by its note (reply-notes.ts): counted cut as {@link droppedLater} does (`onReply` told with its MTI,
 * STAN, terminal and response code only) and handed to `onLateResult` if its hand-over is still kept; an approval whose
 * hand-over was let go is logged at error and counted as `ISO8583_WARN_INBOUND_NOT_REVERSED`: it is NOT reversed.
 */
export function lostInReset(core: EndpointCore, peer: Peer, lost: LostReply): void {
  droppedLater(core, peer, lost.line, lost.label, lost.told, lost.capped);
  if (!lost.approval || lost.told !== undefined) return;
  const { 0: mti, 11: stan, 41: terminal, 39: responseCode } = lost.line;
  core.metrics.error(NOT_REVERSED_WARNING);
  const fields = { code: NOT_REVERSED_WARNING, mti, stan, terminal, responseCode, kept: KEPT_REVERSIBLE };
  logSafely(() => peer.logger.error(fields, "an approval the connection's reset threw away is NOT reversed (its hand-over was let go): check with the host"));
}

/**
 * Whether the line of a reply dropped (its client gone) is capped: always, but for a result a sequence (or onError)
 * produced while `onLateResult` is not set (that line is then all there is to find it by; connection-lines.ts).
 */
function cappedDrop(core: EndpointCore, produced: boolean): boolean {
  return core.options.onLateResult !== undefined || !produced;
}

/**
 * A reply the endpoint packed (`bytes`, from the sequence's or onError's `reply`) as its client gets it: read back from
 * the bytes, so that it is counted (`byResponseCode`) and observed (`onReply`) as it went: a value the pack pads or
 * converts (`39: 0` in an `n 3` field 39 goes as `000`; an amount given as a number) is seen as packed, never as
 * written. Read back only when it may differ: always for `onReply` (every field of a trace), else only when the MTI is
 * not text or field 39 is not text of its fixed length (the count's label: no second read on the common path). Read
 * with `core.readBack`, never `core.codec`: a read updates its codec's cache of message shapes, which is the requests'.
 */
export function asPacked(core: EndpointCore, bytes: Buffer, reply: MessageInput): MessageInput {
  if (core.options.onReply === undefined && countedAsPacked(core, reply)) return reply;
  try {
    return core.readBack.decode(bytes).message;
  } catch {
    return reply; // Not expected (the codec's own bytes): counted as written rather than not at all.
  }
}

/** True when the MTI and field 39 (if any) of `reply` are text the pack writes as it is: the count's label is theirs. */
function countedAsPacked(core: EndpointCore, reply: MessageInput): boolean {
  if (typeof reply['0'] !== 'string') return false;
  const rc = reply['39'];
  return rc === undefined || (typeof rc === 'string' && rc.length === core.rcFixedTextLength);
}

/**
 * The length of `dialect`'s field 39 when the pack writes a text response code of that length as it is (fixed length,
 * no length prefix, not binary), else `undefined`: fixed per endpoint (`EndpointCore.rcFixedTextLength`).
 */
export function rcFixedTextLength(dialect: Dialect): number | undefined {
  const spec = dialect.fields['39'];
  return spec !== undefined && spec.prefix === undefined && spec.encoding !== 'binary' ? spec.length : undefined;
}

/** An endpoint-made reply as it packed: its bytes, and the fields they hold (what the client gets, and is traced). */
export interface PackedFallback {
  /** The packed reply (without its frame). */
  bytes: Buffer;
  /** The fields of the attempt that packed: the whole reply, or one of its smaller forms. */
  message: MessageInput;
}

/**
 * Packs an endpoint-made reply (response code 30 or 96). Its echoed values come from the request and may not pack
 * (a lenient decode, a field at fault): then only MTI, STAN, terminal and response code, then MTI and response code.
 * The fields that packed come back with the bytes: the reply is counted, observed (`onReply`) and logged as it went.
 */
export function packFallback(core: EndpointCore, reply: MessageInput, dialectHeader: Buffer): PackedFallback | undefined {
  const options = (core.codec.dialect.headerLength ?? 0) > 0 ? { header: dialectHeader } : {};
  const attempts: MessageInput[] = [
    reply,
    { 0: reply['0'], 11: reply['11'], 41: reply['41'], 39: reply['39'] },
    { 0: reply['0'], 39: reply['39'] },
  ];
  for (const attempt of attempts) {
    try {
      return { bytes: core.codec.pack(attempt, options), message: withoutAbsent(attempt) };
    } catch {
      // next, smaller attempt
    }
  }
  return undefined;
}

/** A reply attempt without the fields it names but does not hold (`{ 11: undefined }` of a request without a STAN). */
function withoutAbsent(attempt: MessageInput): MessageInput {
  return Object.fromEntries(Object.entries(attempt).filter(([, value]) => value !== undefined)) as MessageInput;
}

/** Not even a 96 can be packed in this dialect (an MTI of another edition, a field 39 it cannot hold): said at error. */
export function noFallback(core: EndpointCore, peer: Peer, mti: string): void {
  logSafely(() => peer.logger.error({ code: 'ISO8583_ERR_INBOUND_REPLY_INVALID', mti: mtiLabel(mti) }, 'not even a response code 96 reply can be packed in this dialect: the client gets no answer'));
}

/**
 * Counts and logs (at warn, card data masked: by the mask `mask` makes, by default that of `fields`; the pipeline
 * gives the message's own, message-mask.ts: the request as the client sent it and the sequence's own object, made
 * once) a message the endpoint could not handle as its sequence meant. Never throws: a logger (or a mask) that throws
 * loses the line, not the count, nor what the endpoint does next (onError, the 96).
 */
export function logFailure(
  core: EndpointCore,
  peer: { logger: EndpointCore['logger'] },
  code: InboundErrorCode,
  fields: IsoMessage,
  messageId: string | undefined,
  err: unknown,
  mask: () => CardDataMask = () => CardDataMask.of(fields, core.codec.dialect),
): void {
  core.metrics.error(code);
  logSafely(() => {
    peer.logger.warn({ code, messageId, ...summarize(fields), err: errorForLog(err, mask()) }, describe(code));
  });
}

function describe(code: InboundErrorCode): string {
  switch (code) {
    case 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT':
      return 'the sequence timed out';
    case 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED':
      return 'the sequence failed';
    case 'ISO8583_ERR_INBOUND_REPLY_INVALID':
      return 'the reply cannot be packed: response code 96';
    default:
      return code;
  }
}
