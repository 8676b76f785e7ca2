/**
 * The SAF entries handed to the queue to be sent and not queued yet: those a start read back from the journal (an
 * earlier run left them unfinished: after a long outage of the bank, tens of thousands of reversals), and those taken
 * over from another node (a shared store's `claim`). They are queued {@link SAF_RESUME_TURN_ENTRIES} at a time, a turn
 * of the event loop apart, so that queueing a large backlog never holds the loop (requests, health checks and other
 * connections are served between the chunks). Until it is queued an entry is counted with the entries not yet ended
 * (the SAF depth, the reversals pending): a stop meanwhile queues no more, reports them, and leaves them in the journal,
 * untouched, for the next start. An id given again while it waits here (or while the queue holds it) is not taken
 * twice.
 */
import type { JournalEntry } from './saf-store.js';
import { nextTurn } from './journal-read.js';

/** Entries queued in one turn of the event loop: each a few microseconds (its state, its timer, its `queued` event). */
export const SAF_RESUME_TURN_ENTRIES = 500;

/** Entries taken in one turn of the event loop by {@link inTurns} (a start's: each a key and a few set entries). */
export const SAF_TAKE_TURN_ENTRIES = 1000;

/** Calls `take` with `entries` {@link SAF_TAKE_TURN_ENTRIES} at a time, a turn of the event loop between two. */
export async function inTurns(entries: readonly JournalEntry[], take: (chunk: readonly JournalEntry[]) => void): Promise<void> {
  for (let i = 0; i < entries.length; i += SAF_TAKE_TURN_ENTRIES) {
    if (i > 0) await nextTurn();
    take(entries.slice(i, i + SAF_TAKE_TURN_ENTRIES));
  }
}

/** Entries waiting to be queued, in the order given (see the file's note). */
export class SafBacklog {
  private entries: JournalEntry[] = [];
  private head = 0;
  /** The ids of the entries waiting (`entries` from `head` on). */
  private readonly ids = new Set<string>();
  /** The connector's reversals among them (the others are advices). */
  private reversalCount = 0;
  /** Whether `drain` runs (set and cleared in its own turns: an `add` between two of its chunks joins it), and its end. */
  private draining = false;
  private drained: Promise<void> = Promise.resolve();
  private stopped = false;

  /**
   * `queue(entry)`: queues one entry (`SafQueue.activate`). `held(id)`: whether the queue holds entry `id` already
   * (being sent, or its end on its way to the journal).
   */
  constructor(
    private readonly queue: (entry: JournalEntry) => void,
    private readonly held: (id: string) => boolean,
  ) {}

  /** Entries waiting to be queued. */
  get size(): number {
    return this.ids.size;
  }

  /** The connector's reversals among the entries waiting. */
  get reversals(): number {
    return this.reversalCount;
  }

  /**
   * Takes `entries` (each id once: one waiting here or held by the queue already is skipped) and queues them in chunks,
   * after those already waiting. Resolves once none is waiting, or once stopped (what is left is still counted: after
   * `stop`, the entries given are only counted, left for the next start).
   */
  add(entries: readonly JournalEntry[]): Promise<void> {
    this.hold(entries);
    if (this.stopped) return Promise.resolve();
    if (!this.draining) this.drained = this.drain();
    return this.drained;
  }

  /** Takes `entries` (each id once, as `add`) without queueing them yet: counted from now on, queued by the next `add`. */
  hold(entries: readonly JournalEntry[]): void {
    for (const entry of entries) {
      if (this.ids.has(entry.id) || this.held(entry.id)) continue;
      this.ids.add(entry.id);
      this.entries.push(entry);
      if ((entry.kind ?? 'reversal') === 'reversal') this.reversalCount += 1;
    }
  }

  /** Queues no more: the entries waiting stay counted here, and in the journal for the next start. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Queues the entries waiting, a chunk a turn, until none is left or `stop`. `draining` is cleared in the same turn
   * as the last check of what is left (the `finally`), so an `add` is never left undrained.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.stopped && this.head < this.entries.length) {
        const end = Math.min(this.entries.length, this.head + SAF_RESUME_TURN_ENTRIES);
        while (!this.stopped && this.head < end) {
          const entry = this.entries[this.head];
          this.head += 1;
          this.ids.delete(entry.id);
          if ((entry.kind ?? 'reversal') === 'reversal') this.reversalCount -= 1;
          this.queue(entry);
        }
        if (this.head === this.entries.length) {
          this.entries = [];
          this.head = 0;
        } else {
          await nextTurn();
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
