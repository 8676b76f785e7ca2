import { LookClock } from '@iso8583/codec';

/**
 * Every connection's hand-overs to `onLateResult` (reply-notes.ts) in the order their replies were taken: the process's
 * one queue for all endpoints, so that each is let go {@link HAND_OVER_HOLD_MS} after, at the next reply any
 * connection's kernel takes or at the queue's own pass (a timer while it holds anything), not at its own connection's
 * next reply (a terminal answering every few minutes would keep its last ones, card data on the heap, that long).
 *
 * Its clock is the time the process could see (the codec's `LookClock`): each step between two looks (a reply taken, a
 * pass) counts at most {@link HAND_OVER_HOLD_MS}/2, so a stalled event loop (a long task, a collection) does not age a
 * hand-over past its hold unseen. A client that stopped reading backs its connection's writes up only once the process reads its next
 * requests and answers them, after the stall: counted in full, the stall let its hand-overs go first, and the reset
 * then lost those approvals unreversed (`ISO8583_WARN_INBOUND_NOT_REVERSED`). A hold so lasts at least its time.
 *
 * Typed arrays and one array of references, grown by doubling up to {@link QUEUE_MAX}; beyond, a hand-over is not
 * queued: its connection is swept at each pass instead (as one that held its hand-over), until it keeps none. A hand-over whose connection holds it when its entry expires (bytes wait for the
 * kernel, or its close began) is left to its connection, which the queue then sweeps at each pass until it holds none.
 * A closed connection's entries are skipped as they come up (its notes marked closed): its close scans nothing.
 */

/** Milliseconds a hand-over is kept once the kernel took its reply, the socket not seen backed up since: 20. */
export const HAND_OVER_HOLD_MS = 20;

/** The most hand-overs {@link HandOverQueue} orders: 16,384. */
export const QUEUE_MAX = 16_384;

/** The most milliseconds one step of the queue's clock counts (a stalled event loop's), and its timer's delay: 10. */
const STEP_MAX = HAND_OVER_HOLD_MS / 2;

/** What the queue asks of a connection's notes (reply-notes.ts `ReplyNotes`). */
export interface QueuedNotes {
  /** Entries of these notes in the queue. */
  queued: number;
  /** True once its connection closed: its entries are skipped, it is swept no more. */
  readonly closed: boolean;
  /** The entry of `slot` (generation `gen`) is old at `now`: let go; true when its connection holds it (left to it). */
  expire(slot: number, gen: number, now: number): boolean;
  /** Lets go what is old at `now` unless held; true when it keeps no hand-over any more. */
  sweep(now: number): boolean;
}

/** The queue (see the file's comment). */
export class HandOverQueue {
  private notes: (QueuedNotes | undefined)[] = [];
  private slots = new Int32Array(0);
  private gens = new Int32Array(0);
  private ats = new Float64Array(0);
  private head = 0;
  private count = 0;
  /** Notes that held a hand-over when its entry expired: swept at each pass until they keep none. */
  private readonly held = new Set<QueuedNotes>();
  private readonly clock: LookClock;
  private sweptAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Entries and held notes looked at so far (for tests: a close scans none). */
  visited = 0;

  /**
   * `clock`: milliseconds, monotonic (default `performance.now()`); `timed`: whether a timer runs {@link pass} while
   * the queue holds anything (default true; tests drive {@link pass} themselves); `max`: the most hand-overs it orders
   * (default {@link QUEUE_MAX}; a power of two; tests give a small one).
   */
  constructor(
    clock: () => number = () => performance.now(),
    private readonly timed = true,
    private readonly max = QUEUE_MAX,
  ) {
    this.clock = new LookClock(STEP_MAX, clock);
  }

  /** The queue's clock now (each step since the last look counted at most {@link STEP_MAX}). */
  now(): number {
    return this.clock.now();
  }

  /** Orders the hand-over of `slot` (generation `gen`) of `notes`, taken at `now` (the queue's clock). */
  add(notes: QueuedNotes, slot: number, gen: number, now: number): void {
    if (this.count === this.slots.length && !this.grow()) {
      // Full: swept at each pass as one that held its hand-over (not left to its connection's next reply: minutes away
      // for a quiet terminal, its card data on the heap meanwhile).
      this.held.add(notes);
      this.arm();
      return;
    }
    const i = (this.head + this.count++) & (this.slots.length - 1);
    this.notes[i] = notes;
    notes.queued++;
    this.slots[i] = slot;
    this.gens[i] = gen;
    this.ats[i] = now;
    this.arm();
  }

  /**
   * Lets go the hand-overs {@link HAND_OVER_HOLD_MS} old at `now`, but those their connection holds; sweeps the notes
   * that held theirs once per {@link STEP_MAX} at most (a reply of any connection, or the queue's timer).
   */
  expire(now: number): void {
    this.expireQueued(now);
    if (this.held.size > 0 && now - this.sweptAt >= STEP_MAX) this.sweep(now);
  }

  /** The timer's pass: {@link expire} at the queue's clock now, its sweep forced. */
  pass(): void {
    const now = this.now();
    this.expireQueued(now);
    this.sweep(now);
    this.arm();
  }

  private expireQueued(now: number): void {
    while (this.count > 0 && now - (this.ats[this.head] as number) >= HAND_OVER_HOLD_MS) {
      const i = this.head;
      const notes = this.notes[i] as QueuedNotes;
      this.notes[i] = undefined;
      this.head = (i + 1) & (this.slots.length - 1);
      this.count--;
      this.visited++;
      notes.queued--;
      if (!notes.closed && notes.expire(this.slots[i] as number, this.gens[i] as number, now)) this.held.add(notes);
    }
  }

  /** Lets go what the notes that held theirs no longer hold; forgets those that keep none. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const notes of this.held) {
      this.visited++;
      if (notes.closed || notes.sweep(now)) this.held.delete(notes);
    }
  }

  /** The connection of `notes` closed: it is swept no more (its entries, marked by `closed`, are skipped). */
  forget(notes: QueuedNotes): void {
    this.held.delete(notes);
  }

  /** Hand-overs queued and notes held (for tests). */
  get size(): { readonly queued: number; readonly held: number } {
    return { queued: this.count, held: this.held.size };
  }

  private arm(): void {
    if (!this.timed || this.timer !== undefined || (this.count === 0 && this.held.size === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass();
    }, STEP_MAX);
    this.timer.unref();
  }

  private grow(): boolean {
    const size = this.slots.length === 0 ? Math.min(64, this.max) : this.slots.length * 2;
    if (size > this.max) return false;
    const notes: (QueuedNotes | undefined)[] = new Array<QueuedNotes | undefined>(size).fill(undefined);
    const slots = new Int32Array(size);
    const gens = new Int32Array(size);
    const ats = new Float64Array(size);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (this.slots.length - 1);
      notes[k] = this.notes[i];
      slots[k] = this.slots[i] as number;
      gens[k] = this.gens[i] as number;
      ats[k] = this.ats[i] as number;
    }
    this.notes = notes;
    this.slots = slots;
    this.gens = gens;
    this.ats = ats;
    this.head = 0;
    return true;
  }
}

/** The process's queue. */
export const handOvers = new HandOverQueue();
