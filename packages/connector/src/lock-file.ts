/**
 * Reading a folder lock's file (or its take-over gate): its owner, its text, its identity and modification time, read
 * from one descriptor. The one home of that reading: folder-lock.ts takes and takes over locks with {@link readLock};
 * lock-holder.ts tells a check before a start who holds one with {@link readLockSync}.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileIdentity } from './file-identity.js';
import { parseOwner } from './lock-owner.js';
import type { LockOwner } from './lock-owner.js';

/** A lock file read: its owner (`undefined` when its text names none), its text, and its identity and modification time. */
export interface LockRead extends FileIdentity {
  readonly owner: LockOwner | undefined;
  readonly text: string;
  readonly mtimeMs: number;
}

/**
 * The most bytes of a lock file (or gate) read: a lock is one short line (about 150 bytes). A longer file (a file
 * restored over it, a sparse file of gigabytes) names nobody: taken over as `damaged`, never read whole.
 */
export const MAX_LOCK_TEXT = 4096;

/** The buffer one read of a lock fills: one byte past {@link MAX_LOCK_TEXT}, to tell a longer file. */
function lockBuffer(): Buffer {
  return Buffer.alloc(MAX_LOCK_TEXT + 1);
}

/** The lock read from the first `bytesRead` bytes of `buffer` and its file's `stat`. */
function lockOf(buffer: Buffer, bytesRead: number, stat: { dev: number; ino: number; mtimeMs: number }): LockRead {
  const text = buffer.toString('utf8', 0, bytesRead);
  return { owner: bytesRead > MAX_LOCK_TEXT ? undefined : parseOwner(text), text, dev: stat.dev, ino: stat.ino, mtimeMs: stat.mtimeMs };
}

/** `err` (a failed read of `path`) naming `path` when the system did not. */
function naming(err: unknown, path: string): unknown {
  const failed = err as NodeJS.ErrnoException;
  if (typeof failed === 'object' && failed !== null && failed.path === undefined) failed.path = path;
  return err;
}

/**
 * The lock file (or gate) at `path`: `gone` when there is no such file. A failure to read it (a folder at its name, a
 * file this user may not read) is thrown naming `path`.
 */
export async function readLock(path: string): Promise<LockRead | 'gone'> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const buffer = lockBuffer();
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return lockOf(buffer, bytesRead, await handle.stat());
  } catch (err) {
    throw naming(err, path);
  } finally {
    await handle.close();
  }
}

/** {@link readLock}, synchronous: for a check that reads a lock and takes none (lock-holder.ts). */
export function readLockSync(path: string): LockRead | 'gone' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const buffer = lockBuffer();
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    return lockOf(buffer, bytesRead, fstatSync(fd));
  } catch (err) {
    throw naming(err, path);
  } finally {
    closeSync(fd);
  }
}
