/**
 * One process per store folder (the reversal journal's, journal-lock.ts; the transaction log's): a lock file holding
 * the pid of its owner, made whole before it gets its name (written to a private file, then hard-linked, which fails
 * when the name exists), so that nobody ever reads a lock without its pid, and taken over, with a warning, when its
 * process is gone. The file name, the error and the warning code are the kind's.
 */
import { link, open, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { syncDir, writeAll } from './durable-file.js';

/** What a folder lock is for: its file name, the error when a live process holds it, the warning on a take-over. */
export interface FolderLockKind {
  /** The lock file's name in the folder (`transactions.lock`). */
  file: string;
  /** The error thrown when a live process (`pid`, when known) holds the lock. */
  locked(dir: string, pid: number | undefined): Iso8583Error;
  /** The code of the warning logged when the lock of a process that is gone is taken over. */
  staleCode: string;
  /** What is locked, in the warning's text (`the transaction log`). */
  what: string;
}

/** Locks held by this process (a second store of the same process on the same folder is refused too). */
const heldHere = new Set<string>();

/** True when a process with this pid exists (signal 0 checks without sending; EPERM: it exists, another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Takes the lock of `dir`; resolves with the function that releases it. Throws `kind.locked(...)` when a live process holds it. */
export async function lockFolder(dir: string, kind: FolderLockKind, logger: Logger): Promise<() => Promise<void>> {
  // One name per folder, however it was spelt (relative, through a symbolic link).
  const path = join(await realpath(dir), kind.file);
  if (heldHere.has(path)) throw kind.locked(dir, process.pid);
  const mine = join(dir, `${kind.file}.${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const handle = await open(mine, 'wx', 0o600);
  try {
    await writeAll(handle, Buffer.from(`${process.pid}\n`), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        await link(mine, path);
        heldHere.add(path);
        await syncDir(dir);
        return async () => {
          if (!heldHere.delete(path)) return;
          await unlink(path).catch(() => undefined);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = await readPid(path);
      // Our own pid without our own lock: an earlier incarnation (a container's pid 1 after a restart).
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw kind.locked(dir, pid);
      logger.warn({ code: kind.staleCode, dir, pid }, `${kind.what} was locked by a process that is gone: taking the lock over`);
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    throw kind.locked(dir, await readPid(path));
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}
