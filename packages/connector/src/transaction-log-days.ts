/**
 * The open day files of a file transaction log (transaction-log-file.ts): today's and yesterday's are kept open for
 * appending (a record accepted before midnight UTC and settled after goes to yesterday's), older ones are closed. Each
 * keeps the identity (device and inode) it had when opened, so that a batch written through it can be checked against
 * the file's name (file-identity.ts): a file removed with its folder (`rm -rf`), renamed or replaced by a restore takes
 * every record written through the old handle with it. The files written since their last fdatasync are kept apart.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openPrivate, syncDir, writeAll } from './durable-file.js';
import { notNamed } from './file-identity.js';
import type { FileIdentity } from './file-identity.js';
import type { LineBuffer } from './line-buffer.js';
import { transactionFile } from './transaction-log-read.js';

/** An open day file. */
export interface DayHandle {
  /** The file's path. */
  readonly path: string;
  readonly handle: FileHandle;
  /** What `path` named when the file was opened. */
  readonly id: FileIdentity;
  /** A failed write may have left part of a line: the next write starts with a newline. */
  dirty: boolean;
  /** The file's size: what was in it when opened and what this log wrote into it since. */
  size: number;
}

/** The newlines in `bytes`: the lines they end. */
export function linesIn(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/**
 * A write of a batch that failed (a full disk, a file size limit), with how many of its lines are whole in the files
 * all the same (those of the days written before, and those the failed write put in before it stopped): stored, and
 * served by queries; the others are lost.
 */
export class BatchWriteError extends Error {
  constructor(
    cause: unknown,
    /** Lines of the batch wholly written (each with its newline). */
    readonly stored: number,
  ) {
    super('a batch of the transaction log was not written whole', { cause });
  }
}

/** The open day files of one folder (see the module comment). */
export class DayFiles {
  private readonly handles = new Map<string, DayHandle>();
  /** Files written since their last fdatasync. */
  private readonly unsynced = new Set<DayHandle>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The open file of a day (opened for appending, made if missing; a cut last line ended with a newline first), mode
   * 0600 whoever made it: one already there at another mode (an older version's, a restore's) is set to 0600 through
   * the handle before anything is written to it (durable-file.ts `openPrivate`).
   */
  async of(day: string): Promise<DayHandle> {
    const known = this.handles.get(day);
    if (known !== undefined) return known;
    const path = join(this.dir, transactionFile(day));
    const handle = await openPrivate(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND);
    let h: DayHandle;
    try {
      const { size, dev, ino } = await handle.stat();
      h = { path, handle, id: { dev, ino }, dirty: false, size };
      if (size === 0) await syncDir(this.dir);
      else {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          this.logger.info({ code: 'ISO8583_WARN_TRANSACTION_LOG_CUT', file: path }, 'the transaction log ended with a record cut by a crash: skipped');
          h.dirty = true;
        }
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    // Today and yesterday stay open; older days close.
    for (const [d, old] of this.handles) {
      if (d < day && this.handles.size >= 2) {
        this.handles.delete(d);
        if (this.unsynced.delete(old)) await old.handle.datasync().catch(() => undefined);
        await old.handle.close().catch(() => undefined);
      }
    }
    this.handles.set(day, h);
    return h;
  }

  /**
   * Writes the lines of `days` (of a batch's `lines` by day), each day's in one write; resolves with the days whose
   * file no longer has its name once written, and why (`its file ... was removed`), so that their lines are written
   * again once the folder is reopened.
   */
  async write(lines: ReadonlyMap<string, LineBuffer>, days: readonly string[]): Promise<[day: string, why: string][]> {
    const written: DayHandle[] = [];
    let stored = 0;
    for (const day of days) {
      let h: DayHandle | undefined;
      let text: Buffer | undefined;
      try {
        h = await this.of(day);
        const newlineFirst = h.dirty;
        text = (lines.get(day) as LineBuffer).bytes(newlineFirst);
        h.dirty = true;
        await writeAll(h.handle, text, null);
        h.dirty = false;
        h.size += text.length;
        this.written(h);
        written.push(h);
        stored += linesIn(text) - (newlineFirst ? 1 : 0);
      } catch (err) {
        throw new BatchWriteError(err, stored + (h === undefined || text === undefined ? 0 : await this.cut(h, text, text[0] === 0x0a)));
      }
    }
    const lost: [string, string][] = [];
    written.forEach((h, i) => {
      const why = notNamed(h.path, h.id);
      if (why !== undefined) lost.push([days[i] as string, `its file ${h.path} was ${why}`]);
    });
    return lost;
  }

  /**
   * The lines of `text` (a batch's bytes for `h`, maybe with a newline first) that a failed write put into `h` whole:
   * the file's size now says how far the write went (one writer, appending). Those lines are fdatasynced with the rest.
   */
  private async cut(h: DayHandle, text: Buffer, newlineFirst: boolean): Promise<number> {
    const size = await h.handle.stat().then((s) => s.size, () => h.size);
    const done = Math.max(0, Math.min(text.length, size - h.size));
    h.size = size;
    if (done === 0) return 0;
    this.written(h);
    return linesIn(text.subarray(0, done)) - (newlineFirst ? 1 : 0);
  }

  /**
   * `h` was written to: fdatasynced by the next {@link DayFiles.sync}. Marked at once after each write: a batch over
   * three days or more closes the oldest file it wrote (`of` keeps two open), and a file marked unsynced is
   * fdatasynced before it is closed, never synced after.
   */
  private written(h: DayHandle): void {
    this.unsynced.add(h);
  }

  /** fdatasyncs the files written since the last time. */
  async sync(): Promise<void> {
    const files = [...this.unsynced];
    this.unsynced.clear();
    for (const h of files) await h.handle.datasync();
  }

  /** Closes the file of `day`, if open, unsynced (it is about to be deleted: `prune`). */
  async forget(day: string): Promise<void> {
    const h = this.handles.get(day);
    if (h === undefined) return;
    this.handles.delete(day);
    this.unsynced.delete(h);
    await h.handle.close();
  }

  /** Closes every file (those written since their last fdatasync are synced first; a failure is not thrown). */
  async closeAll(): Promise<void> {
    for (const h of this.handles.values()) {
      if (this.unsynced.delete(h)) await h.handle.datasync().catch(() => undefined);
      await h.handle.close().catch(() => undefined);
    }
    this.handles.clear();
  }
}
