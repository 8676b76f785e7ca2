/**
 * The write side of a `MessageStream` (message-stream.ts): the frames queued in one tick, joined into one write, with
 * the `dropped` callbacks of those that gave one (watched-writes.ts: what a destroy reports as never delivered; the
 * tokens of those the kernel took kept while a reset of our own could lose them, recent-writes.ts), and the stream's
 * back-pressure (`full`, `drained`).
 */
import type { Duplex } from 'node:stream';
import type { MessageStreamHandlers } from './stream-handlers.js';
import { RecentWrites } from './recent-writes.js';
import { keepDelivered, tell } from './watched-writes.js';
import type { WatchedWrite } from './watched-writes.js';

/** The frames queued for one stream, written once a tick. */
export class FrameWriter {
  private outgoing: Buffer[] = [];
  /** The `dropped` callbacks of the frames in `outgoing` that gave one (none: undefined, nothing allocated). */
  private dropped: (() => void)[] | undefined;
  /** Where each frame of `dropped` ends in the bytes of `outgoing` (same order). */
  private droppedEnds: number[] | undefined;
  /** The token of each frame of `dropped` (-1: none; same order). */
  private droppedTokens: number[] | undefined;
  /** The writes with `dropped` callbacks handed to the stream and not yet called back, oldest first. */
  private readonly watched = new Set<WatchedWrite>();
  /** The tokens of the watched frames the kernel took, while a reset of our own could lose them. */
  private readonly recent: RecentWrites;
  private outgoingBytes = 0;
  /** Every byte handed to the stream so far, by watched writes and others alike (where a watched write starts). */
  private written = 0;
  /** `write` returned false for the bytes queued in this tick (not for the stream's own need to drain). */
  private askedToWait = false;

  /** `writable`: true while frames can be written (the message stream's own state). */
  constructor(
    private readonly stream: Duplex,
    private readonly writable: () => boolean,
    private readonly handlers: Pick<MessageStreamHandlers, 'full' | 'drained' | 'kept' | 'letGo'>,
  ) {
    this.recent = new RecentWrites(stream, (token, lost) => this.handlers.letGo?.(token, lost));
  }

  /** Bytes given to {@link FrameWriter.write} so far, this tick's included. */
  get queuedBytes(): number {
    return this.written + this.outgoingBytes;
  }

  /** Bytes given to {@link FrameWriter.write} not yet handed to the kernel: the socket's `writableLength` and this tick's. */
  get unsentBytes(): number {
    return this.stream.writableLength + this.outgoingBytes;
  }

  /** Queues a frame (see `MessageStream.write`). */
  write(frame: Buffer, dropped?: () => void, token = -1): boolean {
    if (!this.writable()) return false;
    if (this.outgoing.length === 0) process.nextTick(this.flush);
    this.outgoing.push(frame);
    if (dropped !== undefined) {
      (this.dropped ??= []).push(dropped);
      (this.droppedEnds ??= []).push(this.outgoingBytes + frame.length);
      (this.droppedTokens ??= []).push(token);
    }
    this.outgoingBytes += frame.length;
    const stream = this.stream;
    if (stream.writableNeedDrain) return false;
    if (stream.writableLength + this.outgoingBytes < stream.writableHighWaterMark) return true;
    this.askedToWait = true;
    return false;
  }

  /** Writes what is queued now instead of at the end of the tick; false when the stream asks to wait for `drained`. */
  readonly flush = (): boolean => {
    const out = this.outgoing;
    if (out.length === 0 || !this.writable()) return true;
    this.outgoing = [];
    this.outgoingBytes = 0;
    const dropped = this.dropped;
    const ends = this.droppedEnds;
    const tokens = this.droppedTokens;
    this.dropped = undefined;
    this.droppedEnds = undefined;
    this.droppedTokens = undefined;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    const start = this.written;
    this.written += bytes.length;
    const ok = dropped === undefined ? this.stream.write(bytes) : this.watchedWrite(bytes, { start, dropped, ends: ends ?? [], tokens: tokens ?? [] });
    if (!ok) this.handlers.full?.();
    else if (this.askedToWait) process.nextTick(() => this.handlers.drained?.()); // written at once: no 'drain' comes
    this.askedToWait = false;
    return ok;
  };

  /**
   * Writes `bytes`, calling `dropped` if they never wholly leave: the write fails (EPIPE, ECONNRESET, a stream already
   * destroyed), or is still pending when the socket is destroyed (Node then calls the write's callback with no error,
   * as if it had completed). A write the socket took whole at once (its pending length did not grow: the kernel has the
   * bytes) is never reported, even when a `destroy()` in the same tick runs before its callback.
   */
  private watchedWrite(bytes: Buffer, write: WatchedWrite): boolean {
    const stream = this.stream;
    const pending = stream.writableLength;
    let tookWhole = false;
    this.watched.add(write);
    const ok = stream.write(bytes, (err) => {
      this.watched.delete(write);
      if ((err !== null && err !== undefined) || (!tookWhole && stream.destroyed)) tell(write.dropped);
      else this.taken(write);
    });
    // The callback comes in a later tick at the earliest (a write done at once calls back on the next tick).
    tookWhole = stream.writableLength === pending;
    return ok;
  }

  /** The kernel took `write` whole: each frame's token is kept (recent-writes.ts), the owner told (`kept`). */
  private taken(write: WatchedWrite): void {
    const tokens = write.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as number;
      if (token < 0) continue;
      try {
        this.handlers.kept?.(token);
      } catch {
        // The owner guards its own failures, as for `dropped`.
      }
      this.recent.add(write.start + (write.ends[i] as number), token, this.written);
    }
  }

  /**
   * The frames still queued will never be written: their `dropped` callbacks are called (at a close: from then on the
   * tokens of the frames the kernel took are kept until the close tells whether it is a reset, recent-writes.ts).
   */
  discard(): void {
    this.recent.freeze();
    this.outgoing = [];
    this.outgoingBytes = 0;
    const dropped = this.dropped;
    this.dropped = undefined;
    this.droppedEnds = undefined;
    this.droppedTokens = undefined;
    if (dropped !== undefined) tell(dropped);
  }

  /** Before a destroy after a read-out: the writes the kernel took whole are not reported `dropped` (watched-writes.ts). */
  keepDelivered(): void {
    this.recent.forget();
    keepDelivered(this.stream, this.watched, this.written);
  }

  /**
   * Before a destroy that will be a reset (its read-out cut short, the peer still sending): the reset throws away what
   * the kernel holds, so every frame of a write under way is reported `dropped`, and every token kept of a frame the
   * kernel took that it may still hold is told lost (recent-writes.ts), each once.
   */
  resetLoses(): void {
    const dropped: (() => void)[] = [];
    for (const w of this.watched) {
      for (const d of w.dropped) dropped.push(d);
      w.dropped = [];
      w.ends = [];
      w.tokens = [];
    }
    this.recent.resetAt(this.written);
    tell(dropped);
  }

  /** Frames whose token is kept (for tests). */
  get keptFrames(): number {
    return this.recent.size;
  }
}
