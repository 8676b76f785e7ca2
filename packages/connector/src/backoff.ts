/**
 * Reconnection delays: exponential backoff with jitter. The ceiling doubles with each failure in a row (from
 * `initialDelay`, capped at `maxDelay`) and the delay is drawn between half the ceiling and the ceiling, so that many
 * clients cut off at once do not reconnect in step. Both must be at least 1 ms: a ceiling of 0 never grows (0 x 2^n),
 * and a link that refuses would be tried again in a tight loop (refused here too, for a direct caller), and the first
 * no longer than the longest.
 */

import { connectorError } from './errors.js';

/**
 * Why a backoff's first delay is refused beside its longest, or undefined when it is not: the first wait cannot exceed
 * the longest (`initialDelay` above `maxDelay` would make every wait `maxDelay`'s, the first delay set for nothing).
 * The one rule behind the connector's `reconnect` options (`reconnect.initialDelay` refused, naming
 * `reconnect.maxDelay`), {@link Backoff} and the gateway's `--reconnect-delay` / `--reconnect-max-delay` (and each
 * upstream's `reconnectDelay` / `reconnectMaxDelay`).
 */
export function backoffOrderProblem(initialDelay: number, maxDelay: number): string | undefined {
  return initialDelay > maxDelay ? 'the first wait cannot exceed the longest' : undefined;
}

/** A backoff sequence: `next()` gives the next delay; `reset()` after a success. */
export class Backoff {
  private failures = 0;

  /**
   * Throws `ISO8583_ERR_CONNECTOR_OPTIONS` naming `initialDelay` or `maxDelay` when either is not a number of
   * milliseconds from 1, or the first is above the longest ({@link backoffOrderProblem}).
   */
  constructor(
    /** Milliseconds of the first ceiling; at least 1, at most `maxDelay`. */
    readonly initialDelay: number,
    /** The highest ceiling, in milliseconds; at least 1. */
    readonly maxDelay: number,
    /** The source of jitter, in [0, 1). Default `Math.random`. */
    private readonly random: () => number = Math.random,
  ) {
    for (const [field, value] of [['initialDelay', initialDelay], ['maxDelay', maxDelay]] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
        throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a number of milliseconds from 1 (a wait of 0 never grows)', { field });
      }
    }
    const order = backoffOrderProblem(initialDelay, maxDelay);
    if (order !== undefined) throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `must not be more than maxDelay: ${order}`, { field: 'initialDelay' });
  }

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
