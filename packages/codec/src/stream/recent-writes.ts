/**
 * The frames of a `MessageStream` the kernel took whole (frame-writer.ts) while a reset of our own could still lose
 * them. A close whose read-out is cut short (unread-close.ts: a peer that never stops sending) is a reset, which throws
 * away what the kernel holds: its send buffer and what the peer's receive buffer holds unread. Node.js reads neither
 * (no SIOCOUTQ), so what the kernel may hold is estimated, erring towards a reversal.
 *
 * Only frames written with a token (`MessageStream.write`) are kept, as three numbers in a ring of typed arrays (where
 * the frame ends, when the kernel took it, its token): nothing per frame on the heap, no timer, the ring grown by
 * doubling up to {@link RESET_KEEP_MAX}. The owner keeps what the token stands for and is told, once per token, through
 * `letGo(token, lost)` (stream-handlers.ts). A frame is let go (`lost` false), checked as each frame is taken:
 *
 * - in bytes: once it ends {@link RESET_WINDOW} bytes or more before the last byte written (the kernel cannot hold it);
 * - in count: beyond the newest {@link RESET_KEEP_MAX} frames;
 * - in time: {@link RESET_HOLD_MS} after it was taken, if the socket has not been seen backed up (bytes waiting for the
 *   kernel: a peer not reading) for that long. A peer that reads takes what the kernel holds within a round trip.
 *
 * At a reset every frame kept within the byte window is reported lost; at a close that is no reset nothing is called
 * (what the kernel took reaches the peer). Counted delivered though lost: a peer whose receive buffer grew beyond the
 * window (it read much, then stopped); one that stopped reading and got those frames more than {@link RESET_HOLD_MS}
 * before its writes first waited; one losing more than {@link RESET_KEEP_MAX} frames. A frame that did arrive but is
 * kept at the reset is reported lost (a reversal too many, never an approval lost unreported).
 */
import type { Duplex } from 'node:stream';

/**
 * The bytes past a frame's end within which a reset of our own may still lose it: 8 MiB. What the kernel holds of a
 * connection is its send buffer (Linux grows it up to `net.ipv4.tcp_wmem`'s third value, 4 MiB by default) and what
 * the peer's receive buffer holds unread (up to `net.ipv4.tcp_rmem`'s third value, 6 MiB by default, but a peer that
 * never read keeps about its first size, `tcp_rmem`'s second value, 128 KiB, the window growing only as it reads).
 */
export const RESET_WINDOW = 8 * 1024 * 1024;

/** Milliseconds a frame the kernel took is kept, the socket not seen backed up for that long: 2,000. */
export const RESET_HOLD_MS = 2_000;

/**
 * The most frames one connection keeps: 16,384, the oldest let go beyond (4 MiB of the kernel's buffers in replies of
 * 256 bytes); 20 bytes each in the ring (320 KiB at most per connection, outside the JavaScript heap).
 */
export const RESET_KEEP_MAX = 16_384;

/** Slots of a ring at its first frame (doubled as needed, up to {@link RESET_KEEP_MAX}). */
const FIRST_SLOTS = 64;

/** The frames the kernel took, kept while a reset of our own could lose them (see the file's comment). */
export class RecentWrites {
  /** Per frame kept, at `(head + i) & mask`: where it ends among all the bytes written, when it was taken, its token. */
  private ends: Float64Array | undefined;
  private ats: Float64Array | undefined;
  private tokens: Int32Array | undefined;
  private head = 0;
  private count = 0;
  /** The last time the socket was seen backed up (bytes waiting for the kernel). */
  private backedUpAt = 0;
  /** True once taken or let go at a close: nothing more is kept. */
  private closed = false;
  /** True from the close's start: nothing is let go by age (what a reset would lose is what is held then). */
  private frozen = false;

  /** `letGo(token, lost)`: told once per token kept (see the file's comment); a throw is the owner's. */
  constructor(
    private readonly stream: Duplex,
    private readonly letGo: (token: number, lost: boolean) => void,
    private readonly holdMs = RESET_HOLD_MS,
    private readonly keepMax = RESET_KEEP_MAX,
  ) {}

  /** Frames kept (for tests and the memory measure). */
  get size(): number {
    return this.count;
  }

  /** Keeps `token`, of a frame ending at `end` that the kernel took; `written`: every byte handed to the stream so far. */
  add(end: number, token: number, written: number): void {
    if (this.closed) return this.tell(token, false);
    const now = performance.now();
    this.release(now, written);
    if (this.count >= this.keepMax) this.drop();
    if (this.tokens === undefined || this.count === this.tokens.length) this.grow();
    const i = (this.head + this.count) & ((this.tokens as Int32Array).length - 1);
    (this.ends as Float64Array)[i] = end;
    (this.ats as Float64Array)[i] = now;
    (this.tokens as Int32Array)[i] = token;
    this.count++;
  }

  /** From the close's start: nothing is let go by age any more. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * A reset: the tokens of the frames kept ending fewer than {@link RESET_WINDOW} bytes before `written` are told lost,
   * the others let go; nothing more is kept.
   */
  resetAt(written: number): void {
    const lost: number[] = [];
    while (this.count > 0) {
      const i = this.head;
      const token = (this.tokens as Int32Array)[i] as number;
      if (written - ((this.ends as Float64Array)[i] as number) < RESET_WINDOW) lost.push(token);
      else this.tell(token, false);
      this.shift();
    }
    this.forget();
    for (const token of lost) this.tell(token, true);
  }

  /** A close that is no reset (what the kernel took reaches the peer): nothing is told, nothing more is kept. */
  forget(): void {
    this.closed = true;
    this.ends = undefined;
    this.ats = undefined;
    this.tokens = undefined;
    this.head = 0;
    this.count = 0;
  }

  /** Lets go of the frames out of the window in bytes, or (not frozen, not backed up for `holdMs`) by age. */
  private release(now: number, written: number): void {
    if (this.stream.writableLength > 0) this.backedUpAt = now;
    const byAge = !this.frozen && now - this.backedUpAt >= this.holdMs;
    while (this.count > 0) {
      const i = this.head;
      const old = written - ((this.ends as Float64Array)[i] as number) >= RESET_WINDOW;
      if (!old && !(byAge && now - ((this.ats as Float64Array)[i] as number) >= this.holdMs)) break;
      this.drop();
    }
  }

  /** Lets the oldest frame kept go. */
  private drop(): void {
    const token = (this.tokens as Int32Array)[this.head] as number;
    this.shift();
    this.tell(token, false);
  }

  private shift(): void {
    this.head = (this.head + 1) & ((this.tokens as Int32Array).length - 1);
    this.count--;
  }

  /** Doubles the ring (its first: {@link FIRST_SLOTS} slots), the frames kept in order from slot 0. */
  private grow(): void {
    const size = this.tokens === undefined ? FIRST_SLOTS : this.tokens.length * 2;
    const ends = new Float64Array(size);
    const ats = new Float64Array(size);
    const tokens = new Int32Array(size);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & ((this.tokens as Int32Array).length - 1);
      ends[k] = (this.ends as Float64Array)[i] as number;
      ats[k] = (this.ats as Float64Array)[i] as number;
      tokens[k] = (this.tokens as Int32Array)[i] as number;
    }
    this.ends = ends;
    this.ats = ats;
    this.tokens = tokens;
    this.head = 0;
  }

  private tell(token: number, lost: boolean): void {
    try {
      this.letGo(token, lost);
    } catch {
      // The owner guards its own failures, as for `dropped`.
    }
  }
}
