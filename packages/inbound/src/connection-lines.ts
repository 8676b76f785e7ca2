// The lines a connection logs as it closes or drops what it read, and the line of an integrator's listener of the
// endpoint's events that threw: a client can cause each one per connection it opens, so each is capped by the endpoint's `closeLines` (per key: at most a few lines a second, see log-limit.ts in
// @iso8583/metrics), the lines held back since the last one counted in its `suppressed`.
import type { Logger } from 'pino';
import { summarize } from '@iso8583/codec';
import type { Iso8583Error, IsoMessage } from '@iso8583/codec';
import type { LogLimits } from '@iso8583/metrics';
import { codeOf } from './errors.js';
import type { InboundErrorCode } from './errors.js';
import { logSafely } from './safe-log.js';

/** The `closeLines` key of the line for a partial frame the client ended its side in (one per connection it opens). */
const PARTIAL_FRAME_LINE = 'partial-frame';

/** The `closeLines` key of the line for the frames read after the connection began closing (one per connection). */
const CLOSING_FRAMES_LINE = 'closing-frames';

/** The `closeLines` key of the line for a reply whose client had gone before it was written (reply-write.ts). */
const REPLY_CLIENT_GONE_LINE = 'reply-client-gone';

/** The `closeLines` key of the line for a reply accepted for writing that its connection's destroy cut (undelivered.ts). */
const REPLY_DROPPED_LATER_LINE = 'reply-dropped-later';

/** Writes the line `write` makes (given `suppressed` when lines of `key` were held back) unless `key` is at its cap. */
function capped(lines: LogLimits, key: string, write: (held: { suppressed?: number }) => void): void {
  const suppressed = lines.take(key);
  if (suppressed !== undefined) logSafely(() => write(suppressed > 0 ? { suppressed } : {}));
}

/** The client ended its side with `bufferedBytes` of a frame of `frameSize` bytes: the partial frame is dropped. */
export function partialFrameLine(lines: LogLimits, logger: Logger, bufferedBytes: number, frameSize: number | undefined): void {
  capped(lines, PARTIAL_FRAME_LINE, (held) => logger.info({ bufferedBytes, frameSize, ...held }, 'the client ended its side in the middle of a frame: the partial frame is dropped'));
}

/**
 * A reply dropped, its client gone (`ISO8583_ERR_INBOUND_CLIENT_GONE`, the reply's summary: no card data): before it
 * was written (`later` false: a client that leaves with many requests in flight has each one's dropped at once) or cut
 * by its connection's destroy after it was accepted (`later`: hundreds at a close for a client that reads nothing).
 * Capped as the close lines are (each way) when `limited` (reply-write.ts `cappedDrop`): `onLateResult` is set and gets
 * each one's result (whose STAN and terminal it has), or the reply is the endpoint's own (a 30 for a frame that does
 * not decode, a 96: a client sending garbage it never reads has hundreds cut). Else (a result a sequence or onError
 * produced, no `onLateResult`) this line is all there is to find an approval its terminal never got by: one line for
 * each, never held back (at most one per request the client sent and the endpoint ran a sequence for).
 */
export function replyDroppedLine(lines: LogLimits, logger: Logger, reply: IsoMessage, later: boolean, limited: boolean): void {
  const write = later
    ? (held: { suppressed?: number }) => logger.info({ code: 'ISO8583_ERR_INBOUND_CLIENT_GONE', ...summarize(reply), ...held }, 'reply dropped: the connection closed before it was written')
    : (held: { suppressed?: number }) => logger.info({ code: 'ISO8583_ERR_INBOUND_CLIENT_GONE', ...summarize(reply), ...held }, 'reply dropped: the client has gone');
  if (limited) capped(lines, later ? REPLY_DROPPED_LATER_LINE : REPLY_CLIENT_GONE_LINE, write);
  else logSafely(() => write({}));
}

/**
 * A TLS handshake failed (`ISO8583_ERR_INBOUND_TLS`), with `cause` (a refused certificate's reason, the client's close,
 * or the error's code) and, as `certificate`, what `validity` says (called only for a line written): why every client
 * refuses the endpoint's own certificate now (expired), when it does.
 */
export function handshakeFailedLine(lines: LogLimits, logger: Logger, cause: string, validity?: () => string | undefined): void {
  capped(lines, 'ISO8583_ERR_INBOUND_TLS', (held) => {
    const certificate = validity?.();
    logger.warn({ code: 'ISO8583_ERR_INBOUND_TLS', cause, ...(certificate === undefined ? {} : { certificate }), ...held }, 'TLS handshake failed');
  });
}

/** A reset or a write to a client that has gone (`ISO8583_ERR_INBOUND_SOCKET`), with the error's code only. */
export function socketFailedLine(lines: LogLimits, logger: Logger, err: Error): void {
  capped(lines, 'ISO8583_ERR_INBOUND_SOCKET', (held) => logger.info({ code: 'ISO8583_ERR_INBOUND_SOCKET', cause: codeOf(err), ...held }, 'connection failed'));
}

/** The endpoint closed the connection (`code`: a timeout, eviction, broken framing), said as `text`; `err`'s code only. */
export function closedLine(lines: LogLimits, logger: Logger, code: InboundErrorCode, text: string, err?: unknown): void {
  capped(lines, code, (held) => logger.warn({ code, ...(err === undefined ? {} : { cause: codeOf(err) }), ...held }, text));
}

/**
 * Every request gets a reply or a line: these got none (`frames` read after the connection began closing, `waiting`
 * read before and not started when it closed). Every frame is counted all the same (the endpoint's `dropped`).
 */
export function droppedFramesLine(lines: LogLimits, logger: Logger, frames: number, waiting: number): void {
  capped(lines, CLOSING_FRAMES_LINE, (held) => logger.info({ frames, waiting, ...held }, 'frames read after the connection began closing, or waiting for their turn when it closed, were dropped, unanswered'));
}

/**
 * An integrator's listener of the endpoint's `event` threw: its bug, not the client's (`ISO8583_ERR_INBOUND_INTERNAL`,
 * the thrown value's code only, never its text). A client causes a `connection` and a `disconnect` one per connection
 * it opens (the listener that throws for every client): capped per event as the other lines here.
 */
export function listenerThrewLine(lines: LogLimits, logger: Logger, event: string, thrown: unknown): void {
  capped(lines, `${event}-listener`, (held) => logger.error({ code: 'ISO8583_ERR_INBOUND_INTERNAL', event, cause: codeOf(thrown), ...held }, `a '${event}' listener threw`));
}

/**
 * What broken framing (`ISO8583_ERR_FRAMING`...) or a frame not completed in time (`ISO8583_ERR_FRAME_READ_TIMEOUT`)
 * ends a connection with: its code, its words, and the cause to name (the framing error; none for a timeout).
 */
export function framingEnd(err: Iso8583Error): { code: InboundErrorCode; what: string; cause?: Iso8583Error } {
  return err.code === 'ISO8583_ERR_FRAME_READ_TIMEOUT'
    ? { code: 'ISO8583_ERR_INBOUND_READ_TIMEOUT', what: 'a frame was not completed within the read timeout' }
    : { code: 'ISO8583_ERR_INBOUND_FRAMING', what: 'broken framing', cause: err };
}
