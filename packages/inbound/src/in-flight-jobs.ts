/**
 * The messages of an endpoint in their sequence (or onError), every connection's, those of clients that have gone
 * included: what `close()` waits for before it resolves (a result a sequence has not given yet may be an approval to
 * reverse, by `onLateResult`, through a connector the application closes after), and what `maxInFlight` bounds (a
 * connection at that bound stops taking frames, and reads no more than its one read held, until a message ends).
 */
import type { InboundMetrics } from './metrics.js';

/** The endpoint-wide count of messages in flight, its bound, and who waits on it. */
export class InFlightJobs {
  #count = 0;
  /** Resolvers of {@link InFlightJobs.idle}. */
  #idle: (() => void)[] = [];
  /** Connections that found no room under `max`: told (once, on a later turn) when a message ends. */
  #waiting = new Set<() => void>();
  #wakeArmed = false;

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

  /** How many more may start now under `max` (0 or more). */
  get room(): number {
    return Math.max(0, this.max - this.#count);
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
    if (this.#waiting.size > 0 && !this.#wakeArmed) {
      this.#wakeArmed = true;
      setImmediate(this.#wake);
    }
  }

  /** `wake` is called once a message ends (a connection that stopped taking frames at `max`): false if it was already to be. */
  waitForRoom(wake: () => void): boolean {
    if (this.#waiting.has(wake)) return false;
    this.#waiting.add(wake);
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

  readonly #wake = (): void => {
    this.#wakeArmed = false;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  };
}
