/**
 * What a file journal holds in its folder: the folder's lock (journal-lock.ts) and the file it writes, whose names must
 * still be its own (file-identity.ts) before written batches take effect and before a compaction; and the coded errors
 * of a journal that cannot be opened or written, or that stopped.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError, systemCause } from './errors.js';
import { notNamed } from './file-identity.js';
import type { FileIdentity } from './file-identity.js';
import type { FolderLock } from './folder-lock.js';
import { lockJournal } from './journal-lock.js';

/** The coded error of a journal that cannot be opened (its folder, lock, file or first compaction) or written. */
export function journalError(what: string, cause: unknown): Iso8583Error {
  return connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', `the reversal journal ${what}`, { field: 'reversal.journalDir', cause });
}

/**
 * The coded error of a journal whose folder, lock or file cannot be opened at start: the folder, and for a system
 * error its reason and file (`the reversal journal in /var/lib/iso8583/journal cannot be opened: EACCES (permission
 * denied): /var/lib/iso8583/journal/reversals.jsonl`), so that a start that fails says why.
 */
export function journalOpenError(dir: string, cause: unknown): Iso8583Error {
  return journalError(`in ${dir} cannot be opened${systemCause(cause)}`, cause);
}

/** The coded error every append of a stopped journal fails with: why it stopped, and what to do. */
export function stoppedError(why: string, cause?: unknown): Iso8583Error {
  return connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', `the reversal journal stopped ${why}: close and open it again`, {
    field: 'reversal.journalDir',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A journal's lock on its folder and the identity of its file (see the module comment). */
export class JournalHold {
  private fileId: FileIdentity | undefined;
  private why: string | undefined;
  /** True once the file's name was found no longer its own (not only the lock's): a later start does not read its records. */
  private fileGone = false;
  /** True once the lock's name was found removed (not replaced), the file's still its own. */
  private lockGone = false;

  private constructor(
    /** The journal file. */
    readonly path: string,
    private lock: FolderLock | undefined,
  ) {}

  /**
   * Makes the folder `dir` if missing and takes its lock (`ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` when a live process
   * holds it), for the journal file `path`.
   */
  static async take(dir: string, path: string, logger: Logger): Promise<JournalHold> {
    return new JournalHold(path, await lockJournal(dir, logger));
  }

  /** The journal writes through `handle` from now on (opened on `path`, after a compaction renamed it there). */
  async track(handle: FileHandle): Promise<void> {
    const { dev, ino } = await handle.stat();
    this.follow({ dev, ino });
  }

  /** The journal writes to the file of identity `id` from now on (renamed to `path` by a compaction just now). */
  follow(id: FileIdentity): void {
    this.fileId = id;
  }

  /**
   * Why the file or the lock is no longer this journal's (`its file ... was removed`, `... replaced by another file`):
   * found by one `stat` of each name, then kept; `undefined` while both are its own.
   */
  lost(): string | undefined {
    if (this.why !== undefined || this.fileId === undefined) return this.why;
    const file = notNamed(this.path, this.fileId);
    if (file !== undefined) {
      this.fileGone = true;
      return (this.why = `its file ${this.path} was ${file}`);
    }
    const lock = this.lock?.lost();
    if (lock !== undefined) {
      this.why = `its lock ${this.lock?.path ?? ''} was ${lock}`;
      this.lockGone = lock === 'removed';
    }
    return this.why;
  }

  /** True when {@link lost} found the file itself no longer named by its path (removed, replaced): its records are not what a later start reads. */
  get fileLost(): boolean {
    return this.fileGone;
  }

  /**
   * True when {@link lost} found only the lock's name removed (not replaced by another process's lock), the file still
   * named by its path: what was written to the file is what a later start reads.
   */
  get lockRemoved(): boolean {
    return this.lockGone;
  }

  /**
   * True when only the lock's name was removed ({@link lockRemoved}), still absent now (no start took the folder since)
   * and the file is still the journal's (a `stat` of each, at the moment written batches would be acknowledged: the finding that only the lock went may be older than
   * the file's removal, an `rm -rf` of the folder takes the lock first). When the file has gone meanwhile, it is found
   * lost ({@link fileLost}): what was written is not what a later start reads.
   */
  keepsWritten(): boolean {
    // The lock still absent (no process took the folder since), the file still the journal's.
    if (!this.lockGone || this.lock?.lost() !== 'removed') return false;
    if (this.fileOwn()) return true;
    this.fileGone = true;
    return false;
  }

  /** True while the file's path still names the file the journal writes to (looked at now: one `stat`). */
  fileOwn(): boolean {
    return this.fileId !== undefined && notNamed(this.path, this.fileId) === undefined;
  }

  /** Releases the lock (left alone when it is another process's by now). */
  async release(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}
