/**
 * The bounds of every duration option (milliseconds), one constant per meaning. Node.js timers take a delay of at most
 * 2^31 - 1 ms; a longer one (or a non-finite one) is replaced by 1 ms, so that a timeout meant as "very long" would
 * fire at once: an approved purchase would time out and be reversed. Every timeout, interval and delay in
 * `connector-manifest.json` (connector and inbound endpoint), in the per-request `timeout`, the HTTP `?timeout=` query
 * and the `iso8583 gateway` flags is bounded by one of these, and a value above it is refused with a coded error naming
 * the option. A test keeps the manifest's `maximum`s equal to these constants.
 */
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';

/**
 * The longest delay a Node.js timer honours: 2147483647 ms (2^31 - 1, about 24.8 days). The bound of every duration
 * option that is not a wait for a response (connect, idle, read and sequence timeouts, intervals, backoff delays).
 */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * The longest wait for one response: 3600000 ms (1 hour). Card networks answer within seconds and a terminal gives up
 * within a minute or two; a longer wait is a configuration mistake. The bound of `requestTimeout`, the per-request
 * `timeout` of `sendMessage` / `request`, the HTTP `?timeout=` query, `terminalQueue.timeout`, the gateway's
 * `--request-timeout`, and the shutdown deadlines of the gateway and of flows (a shutdown waits for requests in flight).
 */
export const MAX_REQUEST_TIMEOUT = 3_600_000;

/**
 * Checks the per-request `timeout` of `sendMessage` / `request` (and the HTTP `?timeout=`): a whole number of
 * milliseconds from 1 to {@link MAX_REQUEST_TIMEOUT}. Returns the coded error naming `timeout`, or undefined when valid.
 */
export function requestTimeoutProblem(timeout: number | undefined): Iso8583Error | undefined {
  if (timeout === undefined || (Number.isInteger(timeout) && timeout > 0 && timeout <= MAX_REQUEST_TIMEOUT)) return undefined;
  const reason = `must be a whole number of milliseconds from 1 to ${MAX_REQUEST_TIMEOUT}`;
  return connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, {
    field: 'timeout',
    problems: [{ field: 'timeout', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }],
  });
}

/**
 * The problem of a request's `deadline` (send options), if any: a number on the `performance.now()` clock, or absent.
 * NaN or a value of another type (a string, a `Date`) is refused with `ISO8583_ERR_CONNECTOR_OPTIONS` naming
 * `deadline`: taken as is, it once made the answer's wait NaN ms, so the request was written and timed out at once.
 * So is one more than {@link MAX_TIMER_DELAY} ms after `now` (default `performance.now()`): a time on the wall clock
 * (`Date.now() + 5000`, about 1.7e12) or `Infinity`, once taken as no deadline at all, silently (a caller relying on it
 * answered its terminal after the terminal gave up), and a wait no timer can honour. A deadline already past is not a
 * problem here: the request fails with `ISO8583_ERR_CONNECTOR_DEADLINE`, never written.
 */
export function deadlineProblem(deadline: unknown, now = performance.now()): Iso8583Error | undefined {
  if (deadline === undefined) return undefined;
  const number = typeof deadline === 'number' && !Number.isNaN(deadline);
  if (number && deadline - now <= MAX_TIMER_DELAY) return undefined;
  const reason = number
    ? `must be a time on the performance.now() clock of this process (not Date.now()), at most ${MAX_TIMER_DELAY} ms ahead`
    : 'must be a number, a time on the performance.now() clock of this process';
  return connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', reason, {
    field: 'deadline',
    problems: [{ field: 'deadline', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }],
  });
}

/** The error of a request whose overall `deadline` passed before it was written: it never reached the host. */
export function deadlineError(mti: string): Iso8583Error {
  return connectorError('ISO8583_ERR_CONNECTOR_DEADLINE', 'the overall deadline passed before the request was written', {
    field: 'deadline',
    mti,
  });
}

/**
 * Milliseconds left before `deadline` (a `performance.now()` time), at least 1 while some is left; 0 once it has
 * passed; `Infinity` with no deadline.
 */
export function timeLeft(deadline: number | undefined, now: number): number {
  if (deadline === undefined) return Infinity;
  const left = deadline - now;
  return left <= 0 ? 0 : Math.max(1, Math.ceil(left));
}

/** Resolves true when `promise` settles within `ms` (rejects when it rejects in time), false otherwise; the timer cleared either way. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
