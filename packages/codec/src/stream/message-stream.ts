/**
 * A framed message stream: one open byte stream (a TCP or TLS socket, or any Duplex) with its framing, its dialect and
 * its reply-header policy. It cuts the bytes read into frames (partial and coalesced reads, keep-alives, the maximum
 * frame size), bounds how long a started frame may take to complete (the read timeout), and writes frames and
 * messages, joining the writes of one tick into one. It opens no socket itself: whoever connects or accepts hands the
 * stream over, and decides what a frame means (a response, a request to answer) and what a broken stream costs.
 *
 * Every part that speaks ISO 8583 over a stream uses it: the connector's channels, the inbound endpoint's
 * connections, the `load` command, the test peers and the benchmarks.
 */
import type { Duplex } from 'node:stream';
import type { Codec, Decoded, PackOptions } from '../codec-types.js';
import { countArgument } from '../arguments.js';
import { codecError } from '../errors.js';
import type { Iso8583Error } from '../errors.js';
import { FrameDecoder, encodeFrame } from '../framing/frame.js';
import type { Frame, FramingOptions } from '../framing/frame.js';
import { defaultReplyHeaderPolicy, replyHeader } from '../framing/reply-header.js';
import type { ReplyHeaderPolicy } from '../framing/reply-header.js';
import type { MessageInput } from '../types.js';
import { checkStreamOptions } from './stream-options.js';
import type { MessageStreamOptions } from './stream-options.js';
import { framingError, handlerError, wantOf } from './stream-handlers.js';
import type { MessageStreamHandlers } from './stream-handlers.js';
import { ReadTimer } from './read-timer.js';
import { mayHoldUnread, readOutThenClose } from './unread-close.js';
import { FrameWriter } from './frame-writer.js';

/** One byte stream carrying ISO 8583 frames. */
export class MessageStream {
  /** The stream underneath (a socket). */
  readonly stream: Duplex;
  /** The fixed header policy of replies. */
  readonly replyHeaderPolicy: ReplyHeaderPolicy;
  private readonly decoder: FrameDecoder;
  private readonly framing: FramingOptions;
  private readonly codec: Codec | undefined;
  private readonly readTimer: ReadTimer;
  private readonly writer: FrameWriter;
  private ownerPaused = false;
  private isBroken = false;
  private isClosed = false;
  /** Set by {@link MessageStream.destroy}: no frame reaches the handler after it, even one of the same read. */
  private isDestroyed = false;
  /** Bytes read after {@link MessageStream.destroy} (a socket read out before its close), thrown away. */
  private discarded = 0;
  private readOut = 0;
  private error: Error | undefined;
  /** Frames are being handed over (a `resume` from a handler must not hand over others before the batch's rest). */
  private delivering = false;
  /** `resume` was called from a `frame` handler: the stream reads again once the batch has been handed over. */
  private resumeAfter = false;

  constructor(stream: Duplex, options: MessageStreamOptions, private readonly handlers: MessageStreamHandlers) {
    checkStreamOptions(options);
    this.stream = stream;
    this.framing = options.framing ?? {};
    this.decoder = new FrameDecoder(this.framing);
    this.codec = options.codec;
    this.readTimer = new ReadTimer(options.readTimeout ?? 0, this.readTimedOut);
    this.replyHeaderPolicy = options.replyHeader ?? defaultReplyHeaderPolicy(this.framing.headerBytes ?? 0);
    this.writer = new FrameWriter(stream, () => this.writable, handlers);
    stream.on('data', (chunk: Buffer) => this.read(chunk));
    stream.on('end', () => {
      this.readTimer.clear();
      // Whole frames still held (an owner that took fewer: `want`) are not what the peer left in the middle of a frame.
      if (!this.isDestroyed) handlers.ended?.(this.decoder.holdsFrames ? this.decoder.heldTail() : this.decoder.bufferedBytes);
    });
    stream.on('drain', () => {
      if (!this.isDestroyed) handlers.drained?.();
    });
    stream.on('error', (err: Error) => {
      this.error ??= err;
    });
    stream.once('close', () => {
      this.isClosed = true;
      this.readTimer.clear();
      this.writer.discard();
      handlers.closed?.(this.error);
    });
  }

  /** Bytes given to {@link write} so far, this tick's included (less {@link unsentBytes}: what reached the kernel). */
  get queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  /** Bytes given to {@link write} not yet handed to the kernel: the socket's `writableLength` and this tick's frames. */
  get unsentBytes(): number {
    return this.writer.unsentBytes;
  }

  /** True while frames can be written. */
  get writable(): boolean {
    return !this.isClosed && !this.isDestroyed && !this.stream.destroyed && this.stream.writable;
  }

  /** Bytes held back: an incomplete frame, and the whole frames not yet handed over (see `want`). */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** True when bytes held may hold whole frames not handed over (`want` took fewer than a read brought): `takeHeld`. */
  get holdsFrames(): boolean {
    return this.decoder.holdsFrames && !this.isDestroyed && !this.isBroken && !this.isClosed;
  }

  /**
   * Lets go of the whole frames held (an owner closing, the stream closed or not): their count. On broken framing in
   * them, the whole frames before the bad bytes (none once the framing was found broken earlier: those were handed over).
   */
  dropHeld(): number {
    if (this.decoder.failure !== undefined) return 0;
    try {
      return this.decoder.pull(Infinity).length;
    } catch {
      return this.decoder.framesBeforeFailure.length;
    }
  }

  /**
   * Up to `max` whole frames cut from the bytes held (none when they hold none, or once the stream is destroyed or
   * broken, or while a batch is being handed over: called from a `frame` handler), for an owner that paused with frames
   * held and can take some now without reading more. Broken framing in them is reported to `broken` as a read's is,
   * after the whole frames before it are returned (in a microtask: the owner has them first); a `max` not a whole
   * number nor `Infinity` (NaN) is thrown to the caller (`ISO8583_ERR_OPTION` naming `max`).
   */
  takeHeld(max: number): Frame[] {
    countArgument(max, 'max');
    // From a `frame` handler: the rest of the batch being handed over comes first (the stream takes the held ones after).
    if (!this.holdsFrames || this.delivering) return [];
    const { frames, failure } = this.cutHeld(max);
    if (failure !== undefined) {
      if (frames.length === 0) this.fail(failure);
      else queueMicrotask(() => this.fail(failure));
    }
    return frames;
  }

  /**
   * Up to `max` whole frames cut from the bytes held, and the framing error found behind them if any: the frames cut
   * before it are whole and the owner's (never thrown away with the bad bytes), `broken` is for the caller to report.
   */
  private cutHeld(max: number): { frames: Frame[]; failure?: Iso8583Error } {
    try {
      const frames = this.decoder.pull(max);
      // As after a read: nothing incomplete left, no timer (else it would close an idle, healthy connection).
      this.readTimer.arm(frames.length > 0, this.decoder.bufferedBytes);
      return { frames };
    } catch (err) {
      this.readTimer.clear();
      return { frames: [...this.decoder.framesBeforeFailure], failure: framingError(err) };
    }
  }

  /**
   * Whole frames cut from the bytes read after {@link MessageStream.destroy} (a socket read out before its close, with
   * the frames held that the owner had not let go: {@link MessageStream.dropHeld}), never handed over: an owner counts
   * them as dropped once the stream has closed. What the read-out did not reach (a peer still sending past its bound)
   * is not counted. Up to broken framing in them: none after it.
   */
  get readOutFrames(): number {
    return this.readOut;
  }

  /** The announced size of the incomplete frame (length header included), when its length header has been read. */
  get partialFrameSize(): number | undefined {
    return this.decoder.partialFrameSize;
  }

  /** Zero-length keep-alive frames received so far. */
  get keepAlives(): number {
    return this.decoder.keepAlives;
  }

  /**
   * Queues a complete frame; the frames queued in one tick go out in one write. False when the stream is closed (the
   * frame is dropped), or when the caller should wait for `drained` before writing more, as a Node.js stream's `write`:
   * the stream asks to, or the bytes queued in this tick and not yet written pass its high-water mark (the frame is
   * still queued, and `drained` follows once the stream has written them). `dropped` (default: none) is called, once,
   * if the frame, once queued, never reaches the socket: the stream closes or is destroyed before the write, or the
   * write fails (a peer that has reset the connection: EPIPE, ECONNRESET). `token` (with `dropped`; default -1: none), a
   * whole number from 0 to 2^31 - 1: once the kernel took the frame the owner is told (`kept`), and the token is kept
   * while a reset of our own could lose the frame, then told let go (`letGo`, lost or not; recent-writes.ts).
   */
  write(frame: Buffer, dropped?: () => void, token?: number): boolean {
    return this.writer.write(frame, dropped, token);
  }

  /** Writes what is queued now instead of at the end of the tick; false when the stream asks to wait for `drained`. */
  readonly flush = (): boolean => this.writer.flush();

  /** The frame of a message: packed with the codec (`pack` options: the dialect header), then framed with `header`. */
  frameOf(message: MessageInput, header?: Uint8Array, pack?: PackOptions): Buffer {
    if (this.codec === undefined) throw codecError('ISO8583_ERR_OPTION', 'the message stream has no codec', { field: 'codec' });
    return encodeFrame(this.codec.pack(message, pack), this.framing, header);
  }

  /** Packs, frames and queues a message (see {@link MessageStream.frameOf}); false as {@link MessageStream.write}. */
  send(message: MessageInput, header?: Uint8Array, pack?: PackOptions): boolean {
    return this.write(this.frameOf(message, header, pack));
  }

  /** The fixed header of a reply to a request that came with `requestHeader`, by this stream's policy. */
  replyHeader(requestHeader: Uint8Array): Buffer {
    return replyHeader(requestHeader, this.replyHeaderPolicy);
  }

  /** Decodes a frame's message with the codec. Throws the codec's coded error. */
  decode(frame: Frame): Decoded {
    if (this.codec === undefined) throw codecError('ISO8583_ERR_OPTION', 'the message stream has no codec', { field: 'codec' });
    return this.codec.decode(frame.payload);
  }

  /**
   * Stops reading (the owner's own back-pressure: this time does not count against the read timeout). Called from a
   * `frame` handler, it stops the next reads: the other frames of the batch being handled (as many as `want` said)
   * are still delivered; the rest of the read stays held as bytes, for {@link MessageStream.takeHeld} or the resume.
   */
  pause(): void {
    if (this.isDestroyed) return;
    this.ownerPaused = true;
    this.stream.pause();
  }

  /** Reads again after {@link MessageStream.pause}: the whole frames held first (in a `frame` handler: after its batch). */
  resume(): void {
    this.ownerPaused = false;
    if (this.delivering) {
      this.resumeAfter = true;
      return;
    }
    this.deliverHeld();
  }

  /** True while the owner has paused reading. */
  get paused(): boolean {
    return this.ownerPaused;
  }

  /** Ends the stream after the frames queued. */
  end(): void {
    this.flush();
    this.stream.end();
  }

  /**
   * Closes the stream at once (queued frames are dropped; frames already read and not yet handed over are too). Of a
   * write under way, only the frames the kernel has not taken whole are reported `dropped` (watched-writes.ts): the
   * others still reach the peer. A socket its peer has not ended (paused or reading) is half-closed and read out first
   * (what its peer sent thrown away; a write under way goes on while the peer reads, its FIN after it), and closed at the
   * peer's end, or once nothing has come for 500 ms (unread-close.ts): closed with bytes unread or still on their way,
   * it would be reset, and what the kernel took lost. A peer that never stops sending has the read-out cut short (16 MiB,
   * 1,000 busy turns, 10 s): a reset, so every frame of a write under way is reported `dropped`, and each token kept of
   * a frame the kernel took that it may still hold is told lost (`letGo`, recent-writes.ts), erring towards a reversal.
   * No frame is queued, written (beyond a write under way) nor handed over after the call either way. A later call
   * changes nothing (its `err` unused): it never cuts a read-out.
   */
  destroy(err?: Error): void {
    const first = !this.isDestroyed;
    this.isDestroyed = true;
    this.readTimer.clear();
    this.writer.discard();
    const close = (readOut: boolean): void => {
      if (readOut) this.writer.keepDelivered();
      else this.writer.resetLoses();
      this.stream.destroy(err);
    };
    // A later call leaves the first one's course alone: closed already, or reading out (closing now would reset).
    if (!first) return;
    if (mayHoldUnread(this.stream)) this.cutReadOut = readOutThenClose(this.stream, () => this.discarded, close);
    else close(true);
  }

  /**
   * {@link MessageStream.destroy} (if not yet) with no quiet wait for the peer: a read-out under way, or the one the
   * destroy begins, ends once two polls of the event loop in a row bring nothing (what has arrived read and counted;
   * bytes later than that have the close reset), so a peer that neither reads nor sends holds the close a few turns.
   */
  cut(err?: Error): void {
    this.destroy(err);
    this.cutReadOut?.();
  }

  /** Cuts the read-out of a destroy short (see {@link MessageStream.cut}); set while one runs. */
  private cutReadOut: (() => void) | undefined;

  private read(chunk: Buffer): void {
    if (this.isDestroyed) {
      this.discarded += chunk.length;
      this.countReadOut(chunk);
      return;
    }
    // Broken framing found and not yet reported (takeHeld reports it in a microtask): nothing more is read.
    if (this.isBroken || this.decoder.failure !== undefined) return;
    const want = this.wanted();
    if (want === undefined) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk, want);
    } catch (err) {
      // The whole frames of this read before the bad bytes (fewer than `want`: the cut stops there) are the owner's:
      // handed over first, then `broken`. Thrown away, their requests would get no reply and be counted nowhere.
      this.readTimer.clear();
      this.deliver([...this.decoder.framesBeforeFailure]);
      this.fail(framingError(err));
      return;
    }
    this.readTimer.arm(frames.length > 0, this.decoder.bufferedBytes);
    this.deliver(frames);
    // The rest of the read, while the owner takes it; a resume from a handler of the batch reads again.
    if (this.decoder.holdsFrames || this.resumeAfter) this.deliverHeld();
  }

  /** Counts the whole frames in bytes read out after a destroy (see {@link MessageStream.readOutFrames}). */
  private countReadOut(chunk: Buffer): void {
    if (this.decoder.failure !== undefined) return;
    try {
      this.readOut += this.decoder.push(chunk, Infinity).length;
    } catch {
      this.readOut += this.decoder.framesBeforeFailure.length;
    }
  }

  /** Hands `frames` over in order (a resume from a handler waits for the end of the batch: `delivering`). */
  private deliver(frames: Frame[]): void {
    this.delivering = true;
    try {
      for (const frame of frames) {
        if (this.isBroken || this.isClosed || this.isDestroyed) return;
        try {
          this.handlers.frame(frame);
        } catch (err) {
          this.fail(handlerError(err));
          return;
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  /** The whole frames held, batch by batch (`want`), while the owner takes them (not paused). */
  private deliverHeld(): void {
    while (!this.ownerPaused && this.holdsFrames) {
      const want = this.wanted();
      if (want === undefined) break;
      const { frames, failure } = this.cutHeld(want);
      this.deliver(frames);
      if (failure !== undefined) this.fail(failure);
      if (frames.length === 0) break;
    }
    this.resumeAfter = false;
    if (!this.ownerPaused && !this.isDestroyed && !this.isBroken) this.stream.resume();
  }

  /** The owner's `want` (wantOf), or undefined when it is refused or threw: the stream is broken then. */
  private wanted(): number | undefined {
    try {
      return wantOf(this.handlers);
    } catch (err) {
      this.fail(err as Iso8583Error);
      return undefined;
    }
  }

  private readonly readTimedOut = (): void => {
    // Nothing held (the last frames were taken since it was armed): no frame is incomplete.
    if (this.isBroken || this.isClosed || this.isDestroyed || this.decoder.bufferedBytes === 0) return;
    // Reading paused by the owner (or whole frames held for it): the peer is not the slow one.
    if (this.ownerPaused || this.decoder.holdsFrames) {
      this.readTimer.arm(false, this.decoder.bufferedBytes);
      return;
    }
    const size = this.decoder.partialFrameSize;
    this.fail(
      codecError(
        'ISO8583_ERR_FRAME_READ_TIMEOUT',
        `a frame (${this.decoder.bufferedBytes} of ${size ?? 'an unknown number of'} bytes) was not completed within ${this.readTimer.ms} ms`,
        { field: 'readTimeout' },
      ),
    );
  };

  private fail(err: Iso8583Error): void {
    if (this.isBroken || this.isDestroyed) return;
    this.isBroken = true;
    this.readTimer.clear();
    if (this.handlers.broken === undefined) this.destroy();
    else this.handlers.broken(err);
  }
}
