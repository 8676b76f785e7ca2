/**
 * One process per journal folder. Two processes appending to the same journal would each compact away the other's
 * records, and each would send the other's reversals. The lock is a file, `reversals.lock`, naming its owner (its pid,
 * and on Linux its start time, boot and pid namespace: lock-owner.ts), taken with the scheme of folder-lock.ts: made
 * whole before it gets its name, and taken over, with a warning, when its process is gone (a crash, a SIGKILL, a
 * container restarted, its pid given to another process since).
 */
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import { openFolderLock } from './folder-lock.js';
import type { FolderLock, FolderLockKind } from './folder-lock.js';

/** The name of the lock file in the journal folder. */
export const LOCK_FILE = 'reversals.lock';

const JOURNAL_LOCK: FolderLockKind = {
  file: LOCK_FILE,
  locked(dir, pid) {
    const owner = pid === undefined ? 'another process' : `process ${pid}`;
    return connectorError('ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED', `the reversal journal in ${dir} is in use by ${owner}`, {
      field: 'reversal.journalDir',
    });
  },
  staleCode: 'ISO8583_WARN_JOURNAL_STALE_LOCK',
  what: 'the reversal journal',
};

/**
 * Makes the journal folder if missing (mode 0700, its parent fsynced) and takes its lock; resolves with the lock (its
 * check and its release). Throws `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` (naming the folder and the owner's pid) when a
 * live process holds it.
 */
export function lockJournal(dir: string, logger: Logger): Promise<FolderLock> {
  return openFolderLock(dir, JOURNAL_LOCK, logger);
}
