/**
 * A folder lock's live holder, read without taking the lock (folder-lock.ts takes it): what a check before a start
 * asks (`iso8583 gateway --check-config`), so that it can say a start now would be refused `..._LOCKED`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_LOCK_TEXT } from './folder-lock.js';
import { LOCK_STALE, ownerState, parseOwner } from './lock-owner.js';

/**
 * The live holder of the lock file at `path`: its pid (`undefined` in a lock of a format this version does not know),
 * or `undefined` when there is no lock or its holder is gone (lock-owner.ts `ownerState`). A lock of another pid
 * namespace or kernel counts as held while touched within `LOCK_STALE` ms (not watched: a check does not wait); a
 * damaged one, or one this user cannot read, as not held (a start takes the one over and names the other).
 */
export function liveLockHolder(path: string): { pid: number | undefined } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(MAX_LOCK_TEXT + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    const { mtimeMs } = fstatSync(fd);
    const owner = bytesRead > MAX_LOCK_TEXT ? undefined : parseOwner(buffer.toString('utf8', 0, bytesRead));
    if (owner === undefined) return undefined;
    const state = ownerState(owner, mtimeMs).state;
    const held = state === 'alive' || state === 'foreign' || (state === 'elsewhere' && Date.now() - mtimeMs < LOCK_STALE);
    return held ? { pid: owner.pid } : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
