/**
 * Reconnection delays: exponential backoff with jitter. The ceiling doubles with each failure in a row (from
 * `initialDelay`, capped at `maxDelay`) and the delay is drawn between half the ceiling and the ceiling, so that many
 * clients cut off at once do not reconnect in step. Both must be at least 1 ms: a ceiling of 0 never grows (0 x 2^n),
 * and a link that refuses would be tried again in a tight loop (the connector's options refuse 0).
 */

/** A backoff sequence: `next()` gives the next delay; `reset()` after a success. */
export class Backoff {
  private failures = 0;

  constructor(
    /** Milliseconds of the first ceiling; at least 1. */
    readonly initialDelay: number,
    /** The highest ceiling, in milliseconds; at least 1. */
    readonly maxDelay: number,
    /** The source of jitter, in [0, 1). Default `Math.random`. */
    private readonly random: () => number = Math.random,
  ) {}

  /** How many failures in a row have been counted. */
  get attempts(): number {
    return this.failures;
  }

  /** The ceiling of the delay {@link Backoff.next} gives next, in milliseconds. */
  get ceiling(): number {
    return Math.min(this.maxDelay, this.initialDelay * 2 ** Math.min(this.failures, 30));
  }

  /** Counts one failure and gives the delay before the next attempt: in [ceiling / 2, ceiling]. */
  next(): number {
    const ceiling = this.ceiling;
    this.failures += 1;
    // Full jitter with a floor of half the ceiling: never zero after a failure, never above the ceiling.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** Forgets the failures (after a successful connection). */
  reset(): void {
    this.failures = 0;
  }
}
