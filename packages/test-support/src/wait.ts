/**
 * Waiting for a state that has no event of its own (a file written by another process, a row in `pg_locks`, a figure
 * of `stats()`): check, then check again every `intervalMs`, and fail with a message naming `what` once `timeoutMs`
 * has passed. One helper for every package's tests. Never for ordering (wait for the event that proves it instead) and
 * never for "nothing happened": only for a state that must come.
 */

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** What is awaited, for the failure message ("the reversal of 100002 to be answered"). Required. */
  what: string;
  /** The deadline in milliseconds from the call. Default 20000. */
  timeoutMs?: number;
  /** Milliseconds between checks. Default 25. */
  intervalMs?: number;
}

/** The defaults of {@link WaitOptions}. */
const DEFAULTS = { timeoutMs: 20_000, intervalMs: 25 };

/**
 * Resolves with the first truthy value `check` returns (or resolves with). A check that throws or rejects counts as
 * "not yet" and is tried again; a check still pending at the deadline fails the wait. Rejects once `timeoutMs` has passed with `timed out after N ms waiting for <what>`,
 * followed by the last error the check threw, if any.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      // A check that hangs (a socket that never answers) is bounded by the deadline too.
      const value = await within(Promise.resolve().then(check), Math.max(1, until - Date.now()), options.what);
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) {
      const cause = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : String(last)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${cause}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Settles as `promise`, or rejects with `not within N ms: <what>` once `ms` have passed: a bound on a wait for an event
 * (a test that would otherwise hang fails with a message), never a timing and never a wait for ordering.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link eventWithin}. */
export interface EventWithinOptions {
  /**
   * The deadline's timer holds the process alive while the wait lasts (it is still cleared however the wait ends): for
   * an event that only an unref'd timer of the code under test brings (a file log's sync interval), which would
   * otherwise let the process end before it comes. Default false.
   */
  keepAlive?: boolean;
}

/**
 * A wait for an event, with a deadline: as `new Promise(executor)`, and rejects with the message `failure` gives (read
 * when the deadline passes: what was seen so far) once `ms` have passed. The deadline's timer is cleared however the
 * wait ends (the event, the executor's own reject, the deadline) and never keeps the process alive: a wait no test
 * awaits any more (the loser of a race, one left behind by a test that failed) does not hold its test file open until
 * it runs out (unless `keepAlive`). Never a timing and never a wait for ordering.
 */
export function eventWithin<T>(
  ms: number,
  failure: string | (() => string),
  executor: (resolve: (value: T) => void, reject: (err: unknown) => void) => void,
  options: EventWithinOptions = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(typeof failure === 'string' ? failure : failure())), ms);
    if (options.keepAlive !== true) timer.unref();
    executor(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
