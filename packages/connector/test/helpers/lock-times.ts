/**
 * The folder lock's times in the tests that wait for a takeover or a touch: a touch every {@link FAST_LOCK_REFRESH} ms
 * and a lock untouched five times that long taken for gone (lock-owner.ts `setLockRefreshForTests`), not the product's
 * 2 s and 10 s. What those tests prove is the order of touches, watches and takeovers, not the product's periods; every
 * process on the folder (the test's and its children's: `startChild(..., { refresh: FAST_LOCK_REFRESH })`) must use
 * the same times. 500 ms keeps five missed touches (2.5 s) far beyond what a busy machine holds an idle process up.
 */
import { setLockRefreshForTests } from '../../src/lock-owner.js';
import type { AfterHook } from './setup.js';

/** Milliseconds between two touches of a held lock in these tests; a lock is stale after five times that. */
export const FAST_LOCK_REFRESH = 500;

/** Milliseconds a start watches a lock of another pid namespace in these tests (`5 * FAST_LOCK_REFRESH`). */
export const FAST_LOCK_STALE = 5 * FAST_LOCK_REFRESH;

/** Sets this process's lock times to the fast ones for the test `t`, and back to the product's after it. */
export function fastLocks(t: AfterHook): void {
  t.after(setLockRefreshForTests(FAST_LOCK_REFRESH));
}
