/**
 * A compaction while the journal runs (journal.ts), without holding its appends for the syncs: the live entries of a
 * snapshot are written into the journal's next file beside it (the spare file made ahead when they fill at most half
 * of it, else `reversals.jsonl.tmp` with the preallocated blank lines after them) and synced, while appends go on to
 * the journal; the records that took effect since the snapshot are then carried over after them (`carry`, through an
 * `O_DSYNC` handle: durable when the write returns), the last of them once no write is in flight, and the file is
 * renamed over the journal and the folder synced (`install`). Only that last carry, the rename and the folder's sync
 * hold the appends.
 * A crash at any point loses nothing: until the rename is durable the journal is the file every acknowledged record
 * went to (the next file is never read: a left-over one is made again or overwritten); from then on the journal is the
 * next file, which holds the snapshot and every record that took effect after it, in order, synced before the rename.
 */
import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SYNC_ON_WRITE, openPrivate, syncDir, writeAll, writeThenBlank } from './durable-file.js';
import type { FileIdentity } from './file-identity.js';
import { spareFits } from './journal-compaction.js';
import type { CompactedChunks } from './journal-compaction.js';
import type { SpareFile } from './journal-spare.js';

/**
 * Opens the next file for reading and writing, with `O_DSYNC` where the platform has it; `create`: made empty. Mode
 * 0600 either way, a leftover file of another mode included (durable-file.ts `openPrivate`).
 */
function openNext(path: string, create: boolean): Promise<FileHandle> {
  const flags = constants.O_RDWR | (create ? constants.O_CREAT | constants.O_TRUNC : 0) | (SYNC_ON_WRITE ?? 0);
  return openPrivate(path, flags);
}

/**
 * The folder's sync after the rename failed: the next file is named as the journal, but a crash may undo the rename
 * (and bring the old file back). Its `cause` is the sync's error, its `code` that error's.
 */
export class RenameNotSynced extends Error {
  /** The code of the sync's error (`EIO`). */
  readonly code: string | undefined;

  constructor(
    /** The folder. */
    readonly dir: string,
    cause: unknown,
  ) {
    super(`the folder ${dir} could not be synced after the rename`, { cause });
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** The journal's next file, being made by a compaction while the journal runs (see the module comment). */
export class NextFile {
  private installed = false;

  private constructor(
    /** Where it is made (the spare file, or `path.tmp`). */
    readonly from: string,
    /** Open for writing; the journal's handle once installed. */
    readonly handle: FileHandle,
    /** Its identity (the same once renamed). */
    readonly identity: FileIdentity,
    /** The end of its records. */
    public bytes: number,
    /** Its size: the records, then blank lines. */
    public allocated: number,
    /** Whether it is the spare file made ahead. */
    readonly spare: boolean,
    private readonly preallocate: number,
  ) {}

  /**
   * Writes `text` (the snapshot's `add` lines in chunks, journal-compaction.ts's `compactedChunks`) as the next file
   * of the journal at `path`, synced: into `spare` when it is ready and `text` fills at most half of it, else into
   * `path.tmp` followed by `preallocate` blank bytes. On failure the file is removed and the error (naming it) thrown.
   */
  static async write(path: string, text: CompactedChunks, spare: SpareFile, preallocate: number): Promise<NextFile> {
    const taken = spareFits(text.bytes, spare) ? spare.take() : undefined;
    const from = taken ?? `${path}.tmp`;
    let handle: FileHandle | undefined;
    try {
      handle = await openNext(from, taken === undefined);
      if (taken === undefined) {
        await writeThenBlank(handle, text.chunks, preallocate, 0);
        await handle.sync();
      } else {
        // Its size is on disk already: the records' bytes are all there is to sync.
        await writeThenBlank(handle, text.chunks, 0, 0);
        if (SYNC_ON_WRITE === undefined) await handle.datasync();
      }
      const { dev, ino } = await handle.stat();
      const allocated = taken === undefined ? text.bytes + preallocate : spare.size;
      return new NextFile(from, handle, { dev, ino }, text.bytes, allocated, taken !== undefined, preallocate);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(from).catch(() => undefined);
      const failed = err as NodeJS.ErrnoException;
      if (typeof failed === 'object' && failed !== null && failed.path === undefined) failed.path = from;
      throw err;
    }
  }

  /**
   * Appends `text` (records that took effect in the journal since the snapshot, in order) after its records, durably;
   * reaching its size it grows by `preallocate` blank bytes (a journal file always ends with a blank line: journal-read.ts).
   */
  async carry(text: Buffer): Promise<void> {
    if (text.length === 0) return;
    const end = this.bytes + text.length;
    if (end >= this.allocated) {
      await writeThenBlank(this.handle, text, this.preallocate, this.bytes);
      this.allocated = end + this.preallocate;
    } else {
      await writeAll(this.handle, text, this.bytes);
    }
    if (SYNC_ON_WRITE === undefined) await this.handle.datasync();
    this.bytes = end;
  }

  /**
   * Renames it over the journal at `path` and syncs the folder: from then on it is the journal. On a failure of the
   * rename it is removed and `path` untouched, and that error thrown; on a failure of the folder's sync after the
   * rename, its handle is closed and {@link RenameNotSynced} thrown (the journal stops: journal.ts).
   */
  async install(path: string): Promise<void> {
    try {
      await rename(this.from, path);
    } catch (err) {
      await this.discard();
      throw err;
    }
    this.installed = true;
    try {
      await syncDir(dirname(path));
    } catch (err) {
      await this.handle.close().catch(() => undefined);
      throw new RenameNotSynced(dirname(path), err);
    }
  }

  /** Closes and removes it (a compaction that failed or was given up); nothing once installed. */
  async discard(): Promise<void> {
    if (this.installed) return;
    this.installed = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.from).catch(() => undefined);
  }
}
