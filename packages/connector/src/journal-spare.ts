/**
 * The journal's next file, made ahead (`reversals.jsonl.next`): blank lines of the preallocated size, fsynced, made in
 * the background after each compaction. The next compaction then writes only the live entries into it (a small write
 * and `fdatasync`: its size is already on disk), renames it over the journal and fsyncs the folder. Without it, a
 * compaction wrote and fsynced the whole preallocated part (4 MiB by default) while every append waited: at a few
 * thousand purchases a second that is a compaction every second or two, each holding every request for 5-60 ms on
 * the benchmark machine (the gateway's p95 went from 5 ms to 30-40 ms with the journal on).
 * The spare file is never read: a crash at any point leaves the journal as it was (the rename is the only step that
 * changes it), and a left-over spare file is made again on the next start and removed on close.
 */
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import { openPrivate, writeBlank } from './durable-file.js';

/** A spare journal file made ahead in the background (see the file's opening comment). */
export class SpareFile {
  private state: 'none' | 'making' | 'ready' = 'none';
  private making: Promise<void> | undefined;

  constructor(
    /** Where the spare file is made. */
    readonly path: string,
    /** Its size in bytes (blank lines). */
    readonly size: number,
    private readonly logger: Logger,
  ) {}

  /** Starts making the spare file unless one is being made or is ready. Failures are logged (warn) and leave none. */
  prepare(): void {
    if (this.state !== 'none') return;
    this.state = 'making';
    this.making = this.make().then(
      () => {
        if (this.state === 'making') this.state = 'ready';
      },
      (err: NodeJS.ErrnoException) => {
        this.state = 'none';
        this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_JOURNAL', cause: err.code, path: this.path }, 'the journal\'s next file cannot be made ahead: the next compaction writes it whole');
        return unlink(this.path).catch(() => undefined);
      },
    );
  }

  /**
   * The spare file's path when it is ready now, never waiting for one being made (the caller then owns the file:
   * renames it or removes it); `undefined` when none is ready.
   */
  take(): string | undefined {
    if (this.state !== 'ready') return undefined;
    this.state = 'none';
    return this.path;
  }

  /** Resolves when a spare being made is ready (true) or failed (false); at once with whether one is ready otherwise. */
  async whenReady(): Promise<boolean> {
    await this.making;
    return this.state === 'ready';
  }

  /**
   * Waits for a spare being made and removes the spare file (on close), unless `remove` is false (the folder is no
   * longer the journal's: the file of that name is another journal's).
   */
  async discard(remove = true): Promise<void> {
    this.state = 'none';
    await this.making;
    this.making = undefined;
    if (remove) await unlink(this.path).catch(() => undefined);
  }

  private async make(): Promise<void> {
    const out = await openPrivate(this.path, 'w');
    try {
      await writeBlank(out, this.size, 0);
      await out.sync();
    } finally {
      await out.close();
    }
  }
}
