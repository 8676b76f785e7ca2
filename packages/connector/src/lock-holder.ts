/**
 * A folder lock's live holder, read without taking the lock (folder-lock.ts takes it): what a check before a start
 * asks (`iso8583 gateway --check-config`), so that it can say a start now would be refused `..._LOCKED`.
 */
import { readLockSync } from './lock-file.js';
import { LOCK_STALE, ownerState } from './lock-owner.js';

/**
 * A lock's holder as {@link liveLockHolder} reads it: its pid and where it is (`alive`: a process of this pid
 * namespace, confirmed running; `elsewhere`: another namespace or kernel, touched within `LOCK_STALE` ms, not
 * confirmed; `foreign`: a lock of a format this version does not wholly know).
 */
export interface LockHolder {
  /** The holder's pid; `undefined` in a lock of a format this version does not know. */
  pid: number | undefined;
  /** Where the holder is: only `alive` is confirmed running. */
  state: 'alive' | 'elsewhere' | 'foreign';
}

/**
 * The live holder of the lock file at `path`: its pid (`undefined` in a lock of a format this version does not know),
 * or `undefined` when there is no lock or its holder is gone (lock-owner.ts `ownerState`). A lock of another pid
 * namespace or kernel counts as held while touched within `LOCK_STALE` ms (not watched: a check does not wait); a
 * damaged one, or one this user cannot read, as not held (a start takes the one over and names the other).
 */
export function liveLockHolder(path: string): LockHolder | undefined {
  try {
    const found = readLockSync(path);
    if (found === 'gone' || found.owner === undefined) return undefined;
    const state = ownerState(found.owner, found.mtimeMs).state;
    const held = state === 'alive' || state === 'foreign' || (state === 'elsewhere' && Date.now() - found.mtimeMs < LOCK_STALE);
    return held ? { pid: found.owner.pid, state } : undefined;
  } catch {
    return undefined;
  }
}
