import { Iso8583Error, codecError } from '../errors.js';
import type { Frame, FramingOptions, ResolvedFraming } from './options.js';
import { resolveFraming } from './options.js';
import { readLengthHeader } from './length-header.js';
import { bytesArgument, countArgument } from '../arguments.js';
import { bytesNeededFor } from './measure-hint.js';

export type { Frame, FramingOptions, LengthHeader } from './options.js';
export { checkFraming } from './options.js';
export { encodeFrame, encodeKeepAlive } from './encode.js';
export { swapTpdu } from './tpdu.js';

const NO_FRAMES: Frame[] = [];

/**
 * One empty Buffer, never written: the `header` of every frame of a framing without fixed header bytes (not a view a
 * frame), and the held bytes of a decoder holding none (not a Buffer, and an ArrayBuffer to sweep, each time).
 */
const EMPTY = Buffer.alloc(0);

/**
 * The most a frame still arriving reserves ahead of its bytes: 4096 bytes (a card message is a few hundred). A larger
 * frame's buffer doubles with the bytes that came.
 */
const UPFRONT_RESERVE = 4096;

/**
 * Cuts a byte stream into frames: the length header, then `headerBytes` fixed header bytes (e.g. a TPDU), then the
 * message (the length counts the fixed header bytes unless `lengthExcludesHeaderBytes`). Reads may split a frame anywhere or bring several frames at once; leftover bytes are kept between reads.
 * The bytes of an incomplete frame are collected in a buffer sized to the frame once its length is known (and doubled
 * while it is not), kept from read to read until a frame is cut from it, so a frame that arrives in many small reads
 * is copied a bounded number of times. Frames share memory with the chunks pushed, or with that buffer.
 *
 * - A length over the maximum frame size throws `ISO8583_ERR_FRAME_LENGTH` as soon as the length header is read,
 *   before the body is buffered. So does a length header that is not a number in its format (`ascii4`, `bcd2`) and a
 *   length too short to hold the fixed header bytes.
 * - A zero-length frame (length 0, or the header's own size with `lengthIncludesHeader`) is a keep-alive: it is
 *   skipped and counted in {@link FrameDecoder.keepAlives}.
 * - With `lengthHeader: "none"` the stream is cut by `options.measure` (a codec's `measure`), never by read
 *   boundaries; bytes that `measure` cannot place in a message under the maximum frame size throw (as
 *   `ISO8583_ERR_FRAME_LENGTH` at the stream offset, what `measure` threw the `cause`). Once `measure`
 *   answers a length, it is not asked again for that frame. While it answers `undefined` (more bytes needed) it is
 *   asked again with all the bytes held: a codec's `measure` also tells how many bytes the message needs at least
 *   (the end of the field it could not finish), and it is asked again only once that many are held, so a frame that
 *   trickles in a byte at a time costs time linear in its size (about one call per field). A `measure` of your own
 *   that tells nothing more is asked on every read, and its cost per read bounds the cost of tiny reads.
 *
 * The decoder knows nothing of time: whoever owns the stream bounds how long an incomplete frame may wait (a read
 * timeout, see {@link FrameDecoder.bufferedBytes} and {@link FrameDecoder.partialFrameSize}); a length under the
 * maximum that the peer never fills would otherwise hold every later frame back.
 *
 * After an error the stream position is lost: the decoder is unusable and every later `push` throws the same error.
 * The caller closes the connection. Errors carry `offset`, the position in the stream (bytes since the first push)
 * where the bad frame starts, never the bytes themselves.
 */
export class FrameDecoder {
  /** The options as given. */
  readonly options: FramingOptions;
  /** The zero-length keep-alive frames skipped so far. */
  keepAlives = 0;
  /** The frames returned so far. */
  frames = 0;
  readonly #framing: ResolvedFraming;
  /** The frames the failed `push` had cut before its bad length header (never returned: the push threw). */
  #beforeFailure: Frame[] = NO_FRAMES;
  /**
   * Bytes held back: the start of an incomplete frame in `#held[0, #heldLength)`. When `#owned`, `#held` is a buffer
   * of this decoder with room to grow (doubled when full, so a frame that arrives in many small reads is copied a
   * bounded number of times); otherwise it is a view of a pushed chunk (or of a buffer frames were cut from), never
   * written to, so frames already returned keep their bytes.
   */
  #held: Buffer = EMPTY;
  #heldLength = 0;
  #owned = false;
  /** The full size of the incomplete frame (length header included) when known, otherwise -1. */
  #need = -1;
  /**
   * With `lengthHeader: "none"`, while the size is not known: the bytes of the incomplete frame (fixed header bytes
   * included) that `measure` said the message needs at least, before which it is not asked again; otherwise -1.
   */
  #atLeast = -1;
  /** The stream position of the first pending byte. */
  #streamOffset = 0;
  #failure: Iso8583Error | undefined;
  /** The last cut stopped at its `max` with bytes left: they may hold whole frames. */
  #stoppedAtMax = false;
  /** What {@link FrameDecoder.#tail} found for the bytes held now (a push or pull forgets it): one look-ahead serves all. */
  #tailFound: { bytes: number; size: number | undefined } | undefined;

  /** Checks the options (throws `ISO8583_ERR_OPTION` naming the option). */
  constructor(options: FramingOptions = {}) {
    this.#framing = resolveFraming(options, true);
    this.options = options;
  }

  /** The bytes held back, waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.#heldLength;
  }

  /**
   * The full size in bytes (length header included) of the incomplete frame held back, once its length header has been
   * read (with `lengthHeader: "none"`, once `measure` has answered); `undefined` when no frame is incomplete or its
   * size is not known yet (a partial length header, or `measure` still needs more bytes). Behind whole frames held
   * ({@link FrameDecoder.holdsFrames}) too: found as {@link FrameDecoder.heldTail} finds its bytes. With {@link FrameDecoder.bufferedBytes}, what a read timeout reports about a frame that
   * never completed (e.g. a bogus length header: 60000 bytes announced, 2 received).
   */
  get partialFrameSize(): number | undefined {
    if (this.#stoppedAtMax) return this.#tail().size;
    return this.#heldLength > 0 && this.#need > 0 ? this.#need : undefined;
  }

  /** The error that made this decoder unusable, if any. */
  get failure(): Iso8583Error | undefined {
    return this.#failure;
  }

  /**
   * The whole frames the `push` that failed had cut before the bad length header it threw for (a chunk that brought
   * good frames and then a bad one): empty until a push fails, and when the bad header came first. They are whole and
   * in order, counted in {@link FrameDecoder.frames}; a reader that shows what it read (`iso8583 decode --frame`)
   * shows them before the error.
   */
  get framesBeforeFailure(): readonly Frame[] {
    return this.#beforeFailure;
  }

  /**
   * Adds bytes read from the stream and returns the frames now complete (zero-length keep-alive frames are skipped):
   * at most `max` (default: all, `Infinity`; a whole number, one frame cut even at 0; NaN, a fraction or a negative
   * number: `ISO8583_ERR_OPTION` naming `max`). The bytes of the frames past `max` are held as they came, not cut (no
   * object per frame: a reader that cannot start them yet holds one read of bytes, not thousands of frames), until
   * {@link FrameDecoder.pull} or the next push cuts them; {@link FrameDecoder.holdsFrames} tells that some may be.
   */
  push(chunk: Uint8Array, max = Infinity): Frame[] {
    if (this.#failure !== undefined) throw this.#failure;
    this.#tailFound = undefined;
    bytesArgument(chunk, 'chunk');
    countArgument(max, 'max');
    if (chunk.length === 0) return NO_FRAMES;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.#heldLength > 0) {
      const total = this.#heldLength + bytes.length;
      this.#reserve(total);
      bytes.copy(this.#held, this.#heldLength);
      this.#heldLength = total;
      return this.#fromHeld(max);
    }
    return this.#cutFrom(bytes, undefined, max);
  }

  /**
   * The frames complete in the bytes held (those a `push` or `pull` with a `max` left uncut), at most `max` (default:
   * all; a whole number or `Infinity`, as for `push`); none when the bytes held are only the start of a frame.
   */
  pull(max = Infinity): Frame[] {
    if (this.#failure !== undefined) throw this.#failure;
    this.#tailFound = undefined;
    countArgument(max, 'max');
    if (this.#heldLength === 0) return NO_FRAMES;
    return this.#fromHeld(max);
  }

  /** True when the last `push` or `pull` stopped at its `max`: the bytes held may hold whole frames ({@link FrameDecoder.pull}). */
  get holdsFrames(): boolean {
    return this.#stoppedAtMax;
  }

  /**
   * The bytes held that are not whole frames (those of an incomplete last frame), counted without cutting the whole
   * ones (which stay held for `pull`): what a peer that ended its side left in the middle of a frame. The bytes held
   * when they do not frame (the failure is left for `pull` to throw).
   */
  heldTail(): number {
    return this.#tail().bytes;
  }

  /**
   * The incomplete last frame behind the whole frames held (`bytes` held of it, its `size` when known), found by
   * cutting every frame held and putting the decoder back as it was (the whole frames stay held for `pull`). Once for
   * the bytes held: a peer that ended behind frames held is asked both (`heldTail`, then `partialFrameSize` for a log
   * line), and each look cuts every frame held.
   */
  #tail(): { bytes: number; size: number | undefined } {
    if (!this.#stoppedAtMax || this.#failure !== undefined) return { bytes: this.#heldLength, size: undefined };
    if (this.#tailFound !== undefined) return this.#tailFound;
    const saved = [this.#held, this.#heldLength, this.#owned, this.#need, this.#atLeast, this.#streamOffset, this.frames, this.keepAlives, this.#beforeFailure] as const;
    let tail: { bytes: number; size: number | undefined };
    try {
      this.pull();
      tail = { bytes: this.#heldLength, size: this.partialFrameSize };
    } catch {
      tail = { bytes: saved[1], size: undefined };
    }
    [this.#held, this.#heldLength, this.#owned, this.#need, this.#atLeast, this.#streamOffset, this.frames, this.keepAlives, this.#beforeFailure] = saved;
    this.#failure = undefined;
    this.#stoppedAtMax = true;
    this.#tailFound = tail;
    return tail;
  }

  /** Cuts the bytes held, at most `max` frames (none while the incomplete frame still needs bytes). */
  #fromHeld(max: number): Frame[] {
    const total = this.#heldLength;
    if (total < this.#need || total < this.#atLeast) return NO_FRAMES;
    const buffer = this.#owned ? this.#held : undefined;
    const bytes = this.#held.subarray(0, total);
    this.#release();
    return this.#cutFrom(bytes, buffer, max);
  }

  /** Cuts `bytes` (`buffer`: the decoder's own buffer they are in, if they are), at most `max` frames. */
  #cutFrom(bytes: Buffer, buffer: Buffer | undefined, max: number): Frame[] {
    try {
      const frames = this.#cut(bytes, max);
      // No frame cut from the buffer and no byte consumed (measure wants more): nothing points into it, so it is kept
      // (with its room) for the next read rather than the held bytes copied again.
      if (buffer !== undefined && frames.length === 0 && this.#heldLength === bytes.length) {
        this.#held = buffer;
        this.#owned = true;
      }
      return frames;
    } catch (err) {
      this.#release();
      this.#failure =
        err instanceof Iso8583Error
          ? err
          : codecError('ISO8583_ERR_FRAME_LENGTH', 'the message length could not be measured', {
              offset: this.#streamOffset,
              cause: err,
            });
      throw this.#failure;
    }
  }

  #cut(bytes: Buffer, max: number): Frame[] {
    const f = this.#framing;
    let frames: Frame[] | undefined;
    let pos = 0;
    this.#need = -1;
    this.#atLeast = -1;
    this.#stoppedAtMax = false;
    for (;;) {
      const available = bytes.length - pos;
      if (available === 0) break;
      if (frames !== undefined && frames.length >= max) {
        this.#stoppedAtMax = true;
        break;
      }
      let frameEnd: number;
      if (f.lengthHeader === 'none') {
        let measured: number;
        try {
          measured = this.#measure(bytes, pos, available);
        } catch (err) {
          throw this.#failedAfter(frames, this.#unmeasurable(err));
        }
        if (measured < 0) break;
        frameEnd = pos + f.headerBytes + measured;
        if (frameEnd > bytes.length) {
          // The length is known: collect the rest without asking measure again on every read.
          this.#need = frameEnd - pos;
          break;
        }
      } else {
        if (available < f.lengthSize) break;
        const declared = readLengthHeader(f.lengthHeader, bytes, pos);
        if (declared < 0) {
          throw this.#failedAfter(
            frames,
            codecError('ISO8583_ERR_FRAME_LENGTH', `the ${f.lengthHeader} length header is not a number`, {
              offset: this.#streamOffset,
            }),
          );
        }
        const counted = f.lengthIncludesHeader ? declared - f.lengthSize : declared;
        const body = counted + f.uncounted;
        if (counted === 0) {
          this.keepAlives++;
          pos += f.lengthSize;
          this.#streamOffset += f.lengthSize;
          continue;
        }
        if (counted < 0 || body > f.maxFrame || body <= f.headerBytes) {
          throw this.#failedAfter(
            frames,
            codecError(
              'ISO8583_ERR_FRAME_LENGTH',
              body > f.maxFrame
                ? `a frame length of ${body} bytes is over the maximum of ${f.maxFrame}`
                : `a frame length of ${declared} leaves no message after the length and fixed headers`,
              { offset: this.#streamOffset },
            ),
          );
        }
        frameEnd = pos + f.lengthSize + body;
        if (frameEnd > bytes.length) {
          this.#need = frameEnd - pos;
          break;
        }
      }
      const headerStart = pos + f.lengthSize;
      const payloadStart = headerStart + f.headerBytes;
      (frames ??= []).push({
        header: f.headerBytes === 0 ? EMPTY : bytes.subarray(headerStart, payloadStart),
        payload: bytes.subarray(payloadStart, frameEnd),
        offset: this.#streamOffset,
      });
      this.frames++;
      this.#streamOffset += frameEnd - pos;
      pos = frameEnd;
    }
    if (pos < bytes.length) {
      this.#held = pos === 0 ? bytes : bytes.subarray(pos);
      this.#heldLength = this.#held.length;
    }
    return frames ?? NO_FRAMES;
  }

  /**
   * `err`, the failure of the cut after `frames` (kept for {@link FrameDecoder.framesBeforeFailure}). At each throw of
   * the cut, not a `try` around its loop: that cost the read loop about a sixth of its speed.
   */
  #failedAfter(frames: Frame[] | undefined, err: unknown): unknown {
    this.#beforeFailure = frames ?? NO_FRAMES;
    return err;
  }

  /**
   * The framing error of bytes that cannot start a message with `lengthHeader: "none"`: `ISO8583_ERR_FRAME_LENGTH` at
   * the stream position of the frame, as a bad length header is, whatever `measure` threw (a codec's error, e.g.
   * `ISO8583_ERR_BITMAP` with an offset within the message, is the `cause`; its code and field are named, no value).
   */
  #unmeasurable(err: unknown): unknown {
    if (err instanceof Iso8583Error && err.code === 'ISO8583_ERR_FRAME_LENGTH') return err;
    const what = err instanceof Iso8583Error ? ` (${err.code}${err.field === undefined ? '' : `, field ${err.field}`})` : '';
    return codecError('ISO8583_ERR_FRAME_LENGTH', `the bytes cannot start a message${what}`, {
      offset: this.#streamOffset,
      cause: err,
    });
  }

  /**
   * Makes room for `total` held bytes in a buffer of this decoder: the frame's size when it is known and at most
   * {@link UPFRONT_RESERVE} (one buffer for a message of the usual size, whatever its reads), else doubling, never
   * past the frame's size. A length header so reserves little its sender has not sent: a client announcing the
   * maximum frame on every connection and trickling a few bytes held the maximum (64 KB) on each.
   */
  #reserve(total: number): void {
    if (this.#owned && total <= this.#held.length) return;
    const doubled = Math.max(total, this.#owned ? 2 * this.#held.length : 2 * this.#heldLength, 256);
    const size = this.#need > total ? Math.min(this.#need, Math.max(doubled, UPFRONT_RESERVE)) : doubled;
    const grown = Buffer.allocUnsafe(size);
    this.#held.copy(grown, 0, 0, this.#heldLength);
    this.#held = grown;
    this.#owned = true;
  }

  /** Forgets the held bytes; the buffer they were in is never written again (frames may point into it). */
  #release(): void {
    this.#held = EMPTY;
    this.#heldLength = 0;
    this.#owned = false;
  }

  /**
   * With no length header: the message length at `pos` (after the fixed header), possibly more than the bytes held,
   * or -1 when `measure` needs more bytes to tell.
   */
  #measure(bytes: Buffer, pos: number, available: number): number {
    const f = this.#framing;
    const tooLarge = (): Iso8583Error =>
      codecError('ISO8583_ERR_FRAME_LENGTH', `no complete message within the maximum frame size of ${f.maxFrame}`, {
        offset: this.#streamOffset,
      });
    if (available <= f.headerBytes) return -1;
    const start = pos + f.headerBytes;
    const view = bytes.subarray(start, pos + Math.min(available, f.maxFrame));
    const measured = f.measure!(view);
    if (measured === undefined) {
      if (available >= f.maxFrame) throw tooLarge();
      // Wait for the bytes the message needs at least, if measure said (never past the maximum: that throws).
      const needed = bytesNeededFor(view);
      if (needed > view.length) this.#atLeast = Math.min(f.headerBytes + needed, f.maxFrame);
      return -1;
    }
    if (!Number.isSafeInteger(measured) || measured <= 0) {
      throw codecError('ISO8583_ERR_FRAME_LENGTH', 'measure returned an invalid message length', {
        offset: this.#streamOffset,
      });
    }
    if (f.headerBytes + measured > f.maxFrame) throw tooLarge();
    return measured;
  }
}
