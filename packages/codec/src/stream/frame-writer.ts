/**
 * The write side of a `MessageStream` (message-stream.ts): the frames queued in one tick, joined into one write, with
 * the `dropped` callbacks of those that gave one (watched-writes.ts: what a destroy reports as never delivered), and the
 * stream's back-pressure (`full`, `drained`).
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
  /** The writes with `dropped` callbacks handed to the stream and not yet called back, oldest first. */
  private readonly watched = new Set<WatchedWrite>();
  /** The watched writes the kernel took whole, while a reset of our own could still lose them (recent-writes.ts). */
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
    private readonly handlers: Pick<MessageStreamHandlers, 'full' | 'drained'>,
  ) {
    this.recent = new RecentWrites(stream);
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
  write(frame: Buffer, dropped?: () => void): boolean {
    if (!this.writable()) return false;
    if (this.outgoing.length === 0) process.nextTick(this.flush);
    this.outgoing.push(frame);
    if (dropped !== undefined) {
      (this.dropped ??= []).push(dropped);
      (this.droppedEnds ??= []).push(this.outgoingBytes + frame.length);
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
    this.dropped = undefined;
    this.droppedEnds = undefined;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    const start = this.written;
    this.written += bytes.length;
    const ok = dropped === undefined ? this.stream.write(bytes) : this.watchedWrite(bytes, { start, dropped, ends: ends ?? [] });
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
      else this.recent.add(write, this.written);
    });
    // The callback comes in a later tick at the earliest (a write done at once calls back on the next tick).
    tookWhole = stream.writableLength === pending;
    return ok;
  }

  /**
   * The frames still queued will never be written: their `dropped` callbacks are called (at a close: the writes the
   * kernel took are kept from then on until the close tells whether it is a reset, recent-writes.ts).
   */
  discard(): void {
    this.recent.freeze();
    this.outgoing = [];
    this.outgoingBytes = 0;
    const dropped = this.dropped;
    this.dropped = undefined;
    this.droppedEnds = undefined;
    if (dropped !== undefined) tell(dropped);
  }

  /** Before a destroy after a read-out: the writes the kernel took whole are not reported `dropped` (watched-writes.ts). */
  keepDelivered(): void {
    this.recent.forget();
    keepDelivered(this.stream, this.watched, this.written);
  }

  /**
   * Before a destroy that will be a reset (its read-out cut short, the peer still sending): the reset throws away what
   * the kernel holds, so every frame of a write under way, and every frame the kernel took that is kept (recent-writes.ts:
   * within the last `RESET_WINDOW` bytes written, and taken within `RESET_HOLD_MS` or since the socket was last seen
   * backed up), is reported `dropped` now (each once: a write under way's callback then reports nothing more).
   */
  resetLoses(): void {
    const lost = this.recent.take(this.written);
    for (const w of this.watched) {
      lost.push(...w.dropped);
      w.dropped = [];
      w.ends = [];
    }
    tell(lost);
  }

  /** Frames kept by {@link FrameWriter.resetLoses}'s rule (for tests and the memory measure). */
  get keptFrames(): number {
    return this.recent.size;
  }
}
