/**
 * The messages of an endpoint in their sequence (or onError), every connection's, those of clients that have gone
 * included: what `close()` waits for before it resolves (a result a sequence has not given yet may be an approval to
 * reverse, by `onLateResult`, through a connector the application closes after), and what `maxInFlight` bounds (a
 * connection at that bound stops taking frames, and reads no more than its one read held, until a message ends). A
 * sequence (or onError) that timed out keeps its place under the bound until it settles (its client had its answer; it
 * still runs), for at most one more `sequenceTimeout` (late-result.ts `holdLate`: one that never settles does not take it for good).
 * A freed place goes to the connections that wait for one first, in the order they began waiting.
 */
import type { InboundMetrics } from './metrics.js';

/**
 * A sequence (or onError) that timed out and still runs (`lateStarted`), given back to `lateEnded` as it settles: the
 * timer that frees its place under `max` (none once the endpoint has closed), and whether it has settled.
 */
export interface LateHold {
  readonly timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

/** The endpoint-wide count of messages in flight, its bound, and who waits on it. */
export class InFlightJobs {
  #count = 0;
  /** Resolvers of {@link InFlightJobs.idle}. */
  #idle: (() => void)[] = [];
  /** Resolvers of {@link InFlightJobs.settledAll}. */
  #settled: (() => void)[] = [];
  /** Sequences (or onErrors) that timed out and still run, held or not (`lateStarted` to `lateEnded`): not in `count`. */
  #running = 0;
  /** Sequences that timed out and still run: not in `count` (close does not wait for them), but under `max`. */
  #late = 0;
  /** The timers of the holds behind `#late` (`lateStarted`): each frees its place at its bound. */
  readonly #holds = new Set<NodeJS.Timeout>();
  /** The endpoint has closed (`endHolds`): no hold is made any more. */
  #ended = false;
  /**
   * Connections that found no room under `max`, in the order they began waiting: told (on a later turn) when a place is
   * free; each with what to call if it throws then.
   */
  #waiting = new Map<() => void, (thrown: unknown) => void>();
  #wakeArmed = false;
  /** `wake` is handing the free places to the waiters: `room` is what is free, not 0. */
  #waking = false;

  /**
   * The controllers behind the `signal` of the onError sequences running now (pipeline.ts `recover`; rare: a message
   * that failed or timed out): `close()` aborts them when it gives up (give-up.ts), as it does the sequences'.
   */
  readonly onErrors = new Set<AbortController>();

  /** `max`: messages in flight at once, endpoint-wide (`maxInFlight`). */
  constructor(private readonly metrics: InboundMetrics, private readonly max: number) {}

  /** Messages in flight now. */
  get count(): number {
    return this.#count;
  }

  /**
   * How many more may start now under `max` (0 or more); 0 while connections wait for a place (they get the places
   * freed first, `wake`): a connection that reads, or one whose own message just ended, waits behind them.
   */
  get room(): number {
    if (this.#waiting.size > 0 && !this.#waking) return 0;
    return this.#free();
  }

  #free(): number {
    return Math.max(0, this.max - this.#count - this.#late);
  }

  /** A message starts. */
  started(): void {
    this.#count++;
    this.metrics.inFlight(1);
  }

  /** A message has ended (its reply sent or dropped): the waiters for room are told on the next turn. */
  ended(): void {
    this.#count--;
    this.metrics.inFlight(-1);
    if (this.#count === 0) for (const resolve of this.#idle.splice(0)) resolve();
    this.#maybeSettled();
    this.#freed();
  }

  /** Sequences (or onErrors) that timed out and still run (`lateStarted`, not yet `lateEnded`). */
  get lateRunning(): number {
    return this.#running;
  }

  /**
   * A message's sequence (or its onError) timed out and still runs once its client is answered (`ended` follows): it
   * keeps a place under `max` until {@link InFlightJobs.lateEnded} (it settles) or `ms` pass (a slow bank's sequences
   * stay bounded; one that never settles does not take the place for good): then the place is freed and `bound` called.
   * The hold, to give to `lateEnded` (counted in `lateRunning` until then, a closed endpoint's metrics wait for it);
   * without a timer once the endpoint has closed (`endHolds`): a sequence the close gave up on that expires after it
   * (it ignored its signal), or an onError the close aborted that times out after it, keeps no place on an endpoint
   * that takes no more frames, and arms no timer (no warning from an endpoint closed).
   */
  lateStarted(ms: number, bound: () => void): LateHold {
    this.#running++;
    if (this.#ended) return { timer: undefined, settled: false };
    this.#late++;
    const hold = setTimeout(() => {
      if (this.#release(hold)) bound();
    }, ms);
    hold.unref();
    this.#holds.add(hold);
    return { timer: hold, settled: false };
  }

  /**
   * A sequence (or onError) that had timed out has settled: the place its hold (`lateStarted`) kept is free, if still
   * kept, and it is no longer in `lateRunning`. Once per hold (a second call does nothing).
   */
  lateEnded(hold: LateHold | undefined): void {
    if (hold === undefined || hold.settled) return;
    hold.settled = true;
    this.#running--;
    if (hold.timer !== undefined) this.#release(hold.timer);
    this.#maybeSettled();
  }

  /**
   * The endpoint has closed: every hold is let go, silently (its timer cleared: no warning from an endpoint closed, and
   * no place to keep on one that takes no more frames), and none is made after (`lateStarted`).
   */
  endHolds(): void {
    this.#ended = true;
    for (const hold of this.#holds) clearTimeout(hold);
    this.#late -= this.#holds.size;
    this.#holds.clear();
  }

  /** Frees the place `hold` keeps: false when it kept none any more (freed before, or let go by the close). */
  #release(hold: NodeJS.Timeout): boolean {
    if (!this.#holds.delete(hold)) return false;
    clearTimeout(hold);
    this.#late--;
    this.#freed();
    return true;
  }

  /**
   * `wake` is called once a place is free for it (a connection that stopped taking frames at `max`): false if it was
   * already to be. `threw`: called with what `wake` threw (a bug, counted here): its connection, no longer waiting and
   * its reading paused, says it and closes.
   */
  waitForRoom(wake: () => void, threw: (thrown: unknown) => void): boolean {
    if (this.#waiting.has(wake)) return false;
    this.#waiting.set(wake, threw);
    // A place free already (it waits behind others): the wake that hands it out is armed.
    if (this.#free() > 0) this.#freed();
    return true;
  }

  /** Forgets a waiter (its connection has closed). */
  forget(wake: () => void): void {
    this.#waiting.delete(wake);
  }

  /** Settles once no message is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Settles once no message is in flight and no sequence (or onError) that timed out still runs (`lateRunning`): what
   * a closed endpoint's metrics wait for before they leave a shared Registry (metrics.ts `retire`).
   */
  settledAll(): Promise<void> {
    if (this.#count === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  #maybeSettled(): void {
    if (this.#count === 0 && this.#running === 0) for (const resolve of this.#settled.splice(0)) resolve();
  }

  /** A place may be free: the waiters are told on the next turn. */
  #freed(): void {
    if (this.#waiting.size > 0 && !this.#wakeArmed) {
      this.#wakeArmed = true;
      setImmediate(this.#wake);
    }
  }

  /**
   * Hands the free places to the waiters in order: each takes what it can (and waits again at the end if it has more);
   * those left when no place is free stay first for the next. A waiter that throws (a bug) is counted
   * (`ISO8583_ERR_INBOUND_INTERNAL`) and told (its `threw`: its connection logs it and closes, its reading would stay
   * paused for good), and the places go on to the next ones: one throw must not leave `room` at 0 (the rest still
   * waiting, no wake armed) until some other message ends, nor escape from the timer (the process's end).
   */
  readonly #wake = (): void => {
    this.#wakeArmed = false;
    this.#waking = true;
    try {
      for (const [wake, threw] of this.#waiting) {
        if (this.#free() <= 0) break;
        this.#waiting.delete(wake);
        try {
          wake();
        } catch (thrown) {
          this.metrics.error('ISO8583_ERR_INBOUND_INTERNAL');
          try {
            threw(thrown);
          } catch {
            // Counted above; the places still go on to the next waiters.
          }
        }
      }
    } finally {
      this.#waking = false;
    }
  };
}
