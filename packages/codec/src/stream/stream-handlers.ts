/** What a message stream reports to its owner, and the error it reports when the owner's `frame` handler throws. */
import { countArgument } from '../arguments.js';
import { Iso8583Error, codecError } from '../errors.js';
import type { Frame } from '../framing/frame.js';

/** What a {@link MessageStream} reports to its owner. */
export interface MessageStreamHandlers {
  /**
   * A whole frame arrived (its bytes share memory with the read buffer: copy before keeping past this call). A throw
   * breaks this stream (`broken` with `ISO8583_ERR_FRAME_HANDLER`, the thrown value as `cause`); it never reaches the
   * socket's event emitter, so it cannot take the process down.
   */
  frame(frame: Frame): void;
  /**
   * How many frames the owner can take now, asked before each batch is cut (at least one frame is cut per read): the
   * rest of a read stays held as bytes, not cut into frames, until the owner takes them (a batch at a time while it
   * does not pause, or `MessageStream.takeHeld`). So an owner that cannot start frames yet holds one read of
   * bytes rather than an object per frame. A whole number of 0 or more, or `Infinity`; anything else (NaN) breaks the
   * stream (`broken` with `ISO8583_ERR_OPTION` naming `want`), as a throw does (`ISO8583_ERR_FRAME_HANDLER`). Default:
   * every frame of every read.
   */
  want?(): number;
  /**
   * The stream can no longer be read: broken framing (`ISO8583_ERR_FRAME_LENGTH`), a frame not completed within the
   * read timeout (`ISO8583_ERR_FRAME_READ_TIMEOUT`), or a `frame` handler that threw (`ISO8583_ERR_FRAME_HANDLER`).
   * Called once, and no frame follows; the owner decides (usually: destroy). Without it the stream is destroyed.
   */
  broken?(err: Iso8583Error): void;
  /**
   * The peer ended its side (half close). `bufferedBytes`: the bytes of an incomplete frame it left, which no `frame`
   * will bring (0 when it ended on a frame boundary); the stream does not count that as `broken`, the owner may.
   */
  ended?(bufferedBytes: number): void;
  /** The stream has closed (`err`: the socket error that closed it, if any). Called once. */
  closed?(err: Error | undefined): void;
  /** A write of queued frames filled the stream's buffer: the peer is not reading; `drained` follows when it has. */
  full?(): void;
  /** The writes queued earlier have drained (after `full`, or after {@link MessageStream.write} returned false). */
  drained?(): void;
  /**
   * The kernel took the frame written with `token` (`MessageStream.write`): the token is kept while a reset of our own
   * could still lose the frame (recent-writes.ts), until `letGo`. A throw is the owner's (ignored).
   */
  kept?(token: number): void;
  /**
   * A token kept is let go, once: `lost` true when a reset of our own (a close whose read-out was cut short) threw its
   * frame away, false when it can no longer (recent-writes.ts: out of the byte window, beyond the count, by age). Not
   * called at a close that is no reset. A throw is the owner's (ignored).
   */
  letGo?(token: number, lost: boolean): void;
}

/**
 * The error of a `frame` handler that threw: coded, with what it threw as `cause`. The text names the cause's code
 * when it is an {@link Iso8583Error} (whose text is safe), and nothing of any other error's text (it may hold values).
 */
export function handlerError(thrown: unknown): Iso8583Error {
  const what = thrown instanceof Iso8583Error ? ` (${thrown.code})` : '';
  return codecError('ISO8583_ERR_FRAME_HANDLER', `the frame handler threw${what}: the stream is broken`, { cause: thrown });
}

/**
 * How many frames the owner can take now: what `handlers.want` answers (default: all, `Infinity`). Throws
 * `ISO8583_ERR_OPTION` naming `want` when that is not a whole number of 0 or more nor `Infinity` (NaN would be taken as
 * "all"), and the {@link handlerError} of what `want` threw.
 */
export function wantOf(handlers: MessageStreamHandlers): number {
  let want: number;
  try {
    want = handlers.want?.() ?? Infinity;
  } catch (err) {
    throw handlerError(err);
  }
  countArgument(want, 'want');
  return want;
}

/** What a cut of frames threw, as the stream reports it: the decoder's coded error, or `ISO8583_ERR_FRAME_LENGTH`. */
export function framingError(err: unknown): Iso8583Error {
  return err instanceof Iso8583Error ? err : codecError('ISO8583_ERR_FRAME_LENGTH', 'broken framing', { cause: err });
}
