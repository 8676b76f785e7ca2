/**
 * A flush of the SAF queue (`SafQueue.flush`: what a graceful stop asks before the link closes): every entry waiting
 * for its next attempt is sent at once, {@link SAF_FLUSH_TURN_ENTRIES} entries looked at a turn of the event loop, not
 * all in one: a backlog after a long outage of the bank holds tens of thousands, and the requests still in flight
 * during the stop are answered between the chunks. The entries are walked in the order they were queued; one queued
 * during the walk is walked too (a `Map`'s iterator goes on past what it held when it began).
 */
import { nextTurn } from './journal-read.js';
import type { Active } from './saf-entry.js';

/**
 * Sends `a` (one of `active`, the queue's entries being sent) now by `attempt` if it waits for its next attempt (not
 * for an attempt in flight, nor for its `messageInterval` slot; not parked, not held): 1, else 0. What a flush and a
 * connection up (saf-link-wait.ts) do to each entry.
 */
export function sendEarly(active: { go(a: Active): void }, a: Active, attempt: (a: Active) => void): number {
  // Parked: the codec refused it (saf-entry.ts `parkUnsendable`); held: its original is at the host (saf-hold.ts).
  if (a.waiting !== 'attempt' || a.parked === true || a.held === true) return 0;
  clearTimeout(a.timer);
  a.timer = undefined;
  active.go(a);
  attempt(a);
  return 1;
}

/** Entries looked at in one turn of the event loop by a flush: each sent early costs a few microseconds. */
export const SAF_FLUSH_TURN_ENTRIES = 500;

/** The flush in progress of a queue's entries, if any (see the file's note). */
export class SafFlush<A> {
  /** The number of the flush in progress: a later one, or `stop`, ends it. */
  private pass = 0;

  /** `entries`: the queue's entries by id. `sendEarly(a)`: sends `a` now if it waits for its next attempt (1), else 0. */
  constructor(
    private readonly entries: ReadonlyMap<string, A>,
    private readonly sendEarly: (a: A) => number,
  ) {}

  /**
   * Sends early every entry waiting for its next attempt: the first {@link SAF_FLUSH_TURN_ENTRIES} now, the others as
   * many a turn after. A flush in progress ends (this one walks every entry again). Returns how many were sent early now.
   * With `id`, only that entry, now (one the queue does not hold: 0); a flush in progress goes on.
   */
  start(id?: string): number {
    if (id !== undefined) {
      const a = this.entries.get(id);
      return a === undefined ? 0 : this.sendEarly(a);
    }
    const pass = ++this.pass;
    const walk = this.entries.values();
    const now = this.chunk(walk);
    if (now.more) void this.rest(pass, walk);
    return now.sent;
  }

  /** Ends the flush in progress (the queue stops). */
  stop(): void {
    this.pass += 1;
  }

  /** The next chunk of the walk: how many were sent early, and whether entries are left. */
  private chunk(walk: Iterator<A>): { sent: number; more: boolean } {
    let sent = 0;
    for (let i = 0; i < SAF_FLUSH_TURN_ENTRIES; i++) {
      const next = walk.next();
      if (next.done === true) return { sent, more: false };
      sent += this.sendEarly(next.value);
    }
    return { sent, more: true };
  }

  private async rest(pass: number, walk: Iterator<A>): Promise<void> {
    for (let more = true; more; ) {
      await nextTurn();
      if (pass !== this.pass) return;
      more = this.chunk(walk).more;
    }
  }
}
