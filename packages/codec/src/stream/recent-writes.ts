/**
 * The writes of a `MessageStream` the kernel took whole (frame-writer.ts), kept while a reset of our own could still
 * lose them. A close whose read-out is cut short (unread-close.ts: a peer that never stops sending) is a reset, which
 * throws away what the kernel holds: its send buffer and what the peer's receive buffer holds unread. Node.js reads
 * neither (no SIOCOUTQ), so what the kernel may hold is estimated, erring towards a reversal, and kept bounded:
 *
 * - in bytes: a frame ending {@link RESET_WINDOW} bytes or more before the last byte written has left the kernel;
 * - in time: a peer that reads takes what the kernel holds within a round trip, so a frame taken
 *   {@link RESET_HOLD_MS} ago is let go, unless the socket was seen backed up (bytes waiting for the kernel: a peer
 *   not reading) since: then nothing is let go by age until it has stayed drained that long.
 *
 * So a connection whose client reads keeps only its last {@link RESET_HOLD_MS} of replies (an idle one none: a timer,
 * unref'd, lets them go), and one whose client stopped reading keeps what the last {@link RESET_WINDOW} bytes hold. A
 * client that stopped reading without ever backing the socket up (fewer bytes than the kernel's buffers) and got its
 * last reply more than {@link RESET_HOLD_MS} before the close has those replies counted delivered, though lost.
 */
import type { Duplex } from 'node:stream';
import type { WatchedWrite } from './watched-writes.js';

/**
 * The bytes past a frame's end within which a reset of our own may still lose it: 8 MiB. What the kernel holds of a
 * connection is its send buffer (Linux grows it to `net.ipv4.tcp_wmem`'s maximum, 4 MiB by default) and what the
 * peer's receive buffer holds unread (a peer that never read keeps its first one, 128 KiB by default). A peer whose
 * receive buffer grew larger (it read much, then stopped) may have lost more: those frames stay delivered.
 */
export const RESET_WINDOW = 8 * 1024 * 1024;

/** Milliseconds a frame the kernel took is kept, the socket not backed up since (see the file's comment): 10,000. */
export const RESET_HOLD_MS = 10_000;

/** One write kept: its frames' callbacks, and when the kernel took it. */
interface Kept {
  readonly write: WatchedWrite;
  readonly at: number;
}

/** The writes the kernel took whole, kept while a reset of our own could lose them (see the file's comment). */
export class RecentWrites {
  private kept: Kept[] = [];
  private head = 0;
  /** The last time the socket was seen backed up (bytes waiting for the kernel). */
  private backedUpAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** True once taken or let go at a close: nothing more is kept. */
  private closed = false;
  /** True from the close's start: nothing is let go by age (what a reset would lose is what is held then). */
  private frozen = false;

  constructor(
    private readonly stream: Duplex,
    private readonly holdMs = RESET_HOLD_MS,
  ) {}

  /** Frames kept (for tests and the memory measure). */
  get size(): number {
    let n = 0;
    for (let i = this.head; i < this.kept.length; i++) n += (this.kept[i] as Kept).write.dropped.length;
    return n;
  }

  /** Keeps `write` (the kernel took it whole); `written`: every byte handed to the stream so far. */
  add(write: WatchedWrite, written: number): void {
    if (this.closed || write.dropped.length === 0) return;
    const now = Date.now();
    this.kept.push({ write, at: now });
    this.letGo(now, written);
    if (this.timer === undefined) this.timer = setTimeout(this.onTimer, this.holdMs).unref();
  }

  /** From the close's start: nothing is let go by age any more. */
  freeze(): void {
    this.frozen = true;
  }

  /** The callbacks of the frames kept ending fewer than {@link RESET_WINDOW} bytes before `written`; nothing more is kept. */
  take(written: number): (() => void)[] {
    const out: (() => void)[] = [];
    for (let i = this.head; i < this.kept.length; i++) {
      const w = (this.kept[i] as Kept).write;
      w.ends.forEach((end, k) => {
        if (written - (w.start + end) < RESET_WINDOW) out.push(w.dropped[k] as () => void);
      });
    }
    this.forget();
    return out;
  }

  /** Lets every frame go (a close that is no reset: what the kernel took reaches the peer); nothing more is kept. */
  forget(): void {
    this.closed = true;
    this.kept = [];
    this.head = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    // Closed (by the peer, or by a close that told its course already): no reset of ours can lose anything now.
    if (this.stream.destroyed) return this.forget();
    const now = Date.now();
    this.letGo(now, undefined);
    if (this.head < this.kept.length) {
      const oldest = Math.max((this.kept[this.head] as Kept).at, this.backedUpAt);
      this.timer = setTimeout(this.onTimer, Math.max(1, oldest + this.holdMs - now)).unref();
    }
  };

  /** Lets go of the frames out of the window in bytes (`written` given) or, unless frozen or backed up, in time. */
  private letGo(now: number, written: number | undefined): void {
    if (this.stream.writableLength > 0) this.backedUpAt = now;
    const byAge = !this.frozen && now - this.backedUpAt >= this.holdMs;
    const kept = this.kept;
    while (this.head < kept.length) {
      const k = kept[this.head] as Kept;
      const outOfWindow = written !== undefined && written - endOf(k.write) >= RESET_WINDOW;
      if (!outOfWindow && !(byAge && now - k.at >= this.holdMs)) break;
      this.head++;
    }
    if (this.head === kept.length) {
      this.kept = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > kept.length) {
      this.kept = kept.slice(this.head);
      this.head = 0;
    }
  }
}

/** Where the last frame of `write` ends among all the bytes written. */
function endOf(write: WatchedWrite): number {
  return write.start + (write.ends[write.ends.length - 1] ?? 0);
}
