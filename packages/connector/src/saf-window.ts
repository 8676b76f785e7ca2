/**
 * The SAF queue's attempts in flight, and their bound: a backlog (a restart after a long outage of the bank, thousands
 * of reversals due at once) is sent at a bounded pace, as a mature SAF does, not all at once. An entry whose attempt
 * is due takes a place: from then (its `messageInterval` slot, its journaling, its write) until its outcome is handed
 * on (answered, refused, unanswered, or it ends or is released). At most `saf.maxInFlight` entries hold a place at
 * once, and at most {@link SAF_STARTS_PER_TURN} take one in a turn of the event loop (so that a large `maxInFlight`
 * does not hold the loop either). The others wait for a place in the order they became due (first due, first sent),
 * and are not due any later for it: a flush or a connection up does not move them (they are not waiting for a timer),
 * and the queue's `nextDue` is now while they wait.
 *
 * The pace: each attempt that goes takes the next free `messageInterval` slot (`slot`), so that entries due together
 * leave that far apart.
 *
 * Apart from the places: the attempts being journaled or written to the link and not yet settled (`track`), which a
 * stop waits for (bounded), so that an answer arriving meanwhile is handed to the journal before it closes.
 */
import type { Active } from './saf-entry.js';

/**
 * Entries that may take a place among those in flight in one turn of the event loop: an attempt's start (its record
 * for the journal, its message, its channel) costs some microseconds, and hundreds of them a few milliseconds.
 */
export const SAF_STARTS_PER_TURN = 256;

/** The places of the SAF queue's attempts in flight, and the entries waiting for one (see the file's note). */
export class AttemptWindow {
  /** Entries holding a place. */
  private readonly holding = new Set<Active>();
  /** Entries waiting for a place, in order (from `head` on), and the same as a set (to add each once). */
  private waiting: Active[] = [];
  private head = 0;
  private readonly queued = new Set<Active>();
  /** Places taken in this turn of the event loop, and whether the turn's end (`setImmediate`) is scheduled. */
  private takenThisTurn = 0;
  private turnEnds = false;
  private stopped = false;
  /** The attempts being journaled or written and not yet settled (see `track`). */
  private readonly flights = new Set<Promise<void>>();
  /** When the next attempt may leave (`messageInterval`), on the monotonic clock (`performance.now()`). */
  private nextSlot = 0;

  /**
   * `max`: `saf.maxInFlight`. `start(a)`: starts the attempt of `a`, which has just taken a place (it calls
   * {@link enter} again, which lets it through). `live(a)`: whether `a` is still to be sent (else its turn is skipped).
   * `messageInterval`: `saf.messageInterval` (default 0: no pace).
   */
  constructor(
    private readonly max: number,
    private readonly start: (a: Active) => void,
    private readonly live: (a: Active) => boolean,
    private readonly messageInterval = 0,
  ) {}

  /**
   * Takes the next free `messageInterval` slot for an attempt due at `now` (`performance.now()` time) and returns when
   * it may leave: `now` when that slot is free (or there is no pace), else later.
   */
  slot(now: number): number {
    if (this.messageInterval <= 0) return now;
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.messageInterval;
    return slot;
  }

  /** Entries waiting for a place. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /**
   * The attempt of `a` is due: true when it holds a place (it may go on now), else false, and it waits for one (its
   * attempt is started, `start`, when it has it). After {@link stop}: false, and nothing starts.
   */
  enter(a: Active): boolean {
    if (this.stopped) return false;
    if (this.holding.has(a)) return true;
    if (this.waitingCount === 0 && this.free()) {
      this.take(a);
      return true;
    }
    if (!this.queued.has(a)) {
      this.queued.add(a);
      this.waiting.push(a);
    }
    // Places free but this turn's share taken: the next turn gives them.
    if (this.holding.size < this.max) this.endTurnSoon();
    return false;
  }

  /** `a` gives its place back (its attempt settled, or it ended or was released): the first waiting takes it. */
  leave(a: Active): void {
    if (this.holding.delete(a)) this.pump();
  }

  /**
   * An attempt being journaled or written: the function that says it settled. A stop waits for those not settled
   * ({@link settled}).
   */
  track(): () => void {
    let release: () => void = () => undefined;
    const flight = new Promise<void>((resolve) => (release = resolve));
    this.flights.add(flight);
    void flight.then(() => this.flights.delete(flight));
    return release;
  }

  /** No place is given from now on: the entries waiting stay where they are (the journal keeps them for the next start). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once every attempt tracked has settled, or after `bound` ms. */
  async settled(bound: number): Promise<void> {
    if (this.flights.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, bound);
    });
    await Promise.race([Promise.all([...this.flights]), late]);
    clearTimeout(timer);
  }

  private free(): boolean {
    return this.holding.size < this.max && this.takenThisTurn < SAF_STARTS_PER_TURN;
  }

  private take(a: Active): void {
    this.holding.add(a);
    this.takenThisTurn += 1;
    this.endTurnSoon();
  }

  /** Schedules the end of this turn's share: the count starts again, and the entries waiting take the places free. */
  private endTurnSoon(): void {
    if (this.turnEnds) return;
    this.turnEnds = true;
    setImmediate(() => {
      this.turnEnds = false;
      this.takenThisTurn = 0;
      this.pump();
    });
  }

  /** Gives the places free (within this turn's share) to the entries waiting, in order. */
  private pump(): void {
    while (!this.stopped && this.waitingCount > 0 && this.free()) {
      const a = this.waiting[this.head];
      this.head += 1;
      this.queued.delete(a);
      if (!this.live(a)) continue;
      this.take(a);
      this.start(a);
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}
