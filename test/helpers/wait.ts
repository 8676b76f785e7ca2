/**
 * Waiting for a state that has no event of its own (a file written by another process, a reconnection seen from
 * outside): `waitUntil` checks, then checks again each `intervalMs`, and fails with `what` once `timeoutMs` has passed.
 * Never used for "nothing happened": only for a state that must come.
 */

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** What is awaited, for the failure message. */
  what: string;
  /** The deadline in milliseconds. Default 20000. */
  timeoutMs?: number;
  /** Milliseconds between checks. Default 25. */
  intervalMs?: number;
}

/** Resolves with the first truthy value of `check`; rejects with `what` when the deadline passes first. */
export async function waitUntil<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) {
      const cause = last === undefined ? '' : ` (last error: ${String((last as Error).message ?? last)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
