/**
 * The write side of a `MessageStream` (message-stream.ts): the frames queued in one tick, joined into one write, with
 * the `dropped` callbacks of those that gave one (watched-writes.ts: what a destroy reports as never delivered), and the
 * stream's back-pressure (`full`, `drained`).
 */
import type { Duplex } from 'node:stream';
import type { MessageStreamHandlers } from './stream-handlers.js';
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
  ) {}

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
    });
    // The callback comes in a later tick at the earliest (a write done at once calls back on the next tick).
    tookWhole = stream.writableLength === pending;
    return ok;
  }

  /** The frames still queued will never be written: their `dropped` callbacks are called. */
  discard(): void {
    this.outgoing = [];
    this.outgoingBytes = 0;
    const dropped = this.dropped;
    this.dropped = undefined;
    this.droppedEnds = undefined;
    if (dropped !== undefined) tell(dropped);
  }

  /** Before a destroy after a read-out: the writes the kernel took whole are not reported `dropped` (watched-writes.ts). */
  keepDelivered(): void {
    keepDelivered(this.stream, this.watched, this.written);
  }
}
