import { performance } from 'node:perf_hooks';

/** An entry of a {@link DeadlineList}: the list keeps its links and its deadline on it (no allocation per entry). */
export interface Timed {
  /** `performance.now()` past which the entry expires (set by {@link DeadlineList.add}). */
  deadline: number;
  /** The entries added before and after it, while it is listed. */
  before: Timed | undefined;
  after: Timed | undefined;
  /** True while it is in a list. */
  listed: boolean;
}

/**
 * Entries that expire `timeout` ms after they are added, unless removed first (the endpoint's sequence timeout). All
 * share one timeout, so they expire in the order they were added: a linked list in that order and one timer, armed for
 * the first entry's deadline, replace a timer per entry (a Timeout object made, linked into Node's timer list and
 * cleared for each message). Adding and removing are O(1); the timer is unref'd (it never holds the process open),
 * and none is armed once the last entry has expired or its deadline has passed. Nothing stops it when the endpoint
 * closes: a sequence still running then (its signal aborted by the close: give-up.ts) expires at its deadline as it
 * would have (its peer's socket is closed: the answer it would send goes nowhere; the timeout is counted).
 */
export class DeadlineList<T extends Timed> {
  private first: Timed | undefined;
  private last: Timed | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Milliseconds from `add` to expiry. */
    readonly timeout: number,
    /** Called once for each entry that expires (already removed from the list). */
    private readonly expire: (entry: T) => void,
  ) {}

  /** Lists `entry`, to expire `timeout` ms from now. */
  add(entry: T): void {
    entry.deadline = performance.now() + this.timeout;
    entry.before = this.last;
    entry.after = undefined;
    entry.listed = true;
    if (this.last === undefined) this.first = entry;
    else this.last.after = entry;
    this.last = entry;
    if (this.timer === undefined) this.arm(this.timeout);
  }

  /** Takes `entry` out (it will not expire); nothing for an entry not listed. */
  remove(entry: T): void {
    if (!entry.listed) return;
    entry.listed = false;
    const { before, after } = entry;
    if (before === undefined) this.first = after;
    else before.after = after;
    if (after === undefined) this.last = before;
    else after.before = before;
    entry.before = undefined;
    entry.after = undefined;
  }

  /** The entries listed now, oldest first (a copy: what is done with them may add or remove entries). */
  listed(): T[] {
    const entries: T[] = [];
    for (let entry = this.first; entry !== undefined; entry = entry.after) entries.push(entry as T);
    return entries;
  }

  private arm(ms: number): void {
    // A timer may fire a fraction of a millisecond before performance.now() reaches the deadline: at least 1 ms.
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  /** Expires every entry past its deadline, then waits for the next one (an entry removed early costs nothing here). */
  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    try {
      while (this.first !== undefined && this.first.deadline <= now) {
        const entry = this.first as T;
        this.remove(entry);
        this.expire(entry);
      }
    } finally {
      // Even when an expiry throws, the entries after it keep their timer.
      if (this.first !== undefined && this.timer === undefined) this.arm(this.first.deadline - now);
    }
  };
}
