/**
 * One process per journal folder. Two processes appending to the same journal would each compact away the other's
 * records, and each would send the other's reversals. The lock is a file, `reversals.lock`, holding the pid of its
 * owner. It is made whole before it gets its name (written to a private file, then hard-linked, which fails when
 * the name exists), so that nobody ever reads a lock without its pid. A lock whose process is gone (a crash, a
 * SIGKILL, or a container restarted with the same pid) is taken over, with a warning.
 */
import { link, open, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import { syncDir, writeAll } from './durable-file.js';

/** The name of the lock file in the journal folder. */
export const LOCK_FILE = 'reversals.lock';

/** Locks held by this process (a second connector of the same process on the same folder is refused too). */
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

function locked(dir: string, pid: number | undefined): Error {
  const owner = pid === undefined ? 'another process' : `process ${pid}`;
  return connectorError('ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED', `the reversal journal in ${dir} is in use by ${owner}`, {
    field: 'reversal.journalDir',
  });
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

/**
 * Takes the lock of a journal folder; resolves with the function that releases it. Throws
 * `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` (naming the folder and the owner's pid) when a live process holds it.
 */
export async function lockJournal(dir: string, logger: Logger): Promise<() => Promise<void>> {
  // One name per folder, however it was spelt (relative, through a symbolic link).
  const path = join(await realpath(dir), LOCK_FILE);
  if (heldHere.has(path)) throw locked(dir, process.pid);
  const mine = join(dir, `${LOCK_FILE}.${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
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
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw locked(dir, pid);
      logger.warn(
        { code: 'ISO8583_WARN_JOURNAL_STALE_LOCK', dir, pid },
        'the reversal journal was locked by a process that is gone: taking the lock over',
      );
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    throw locked(dir, await readPid(path));
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}
