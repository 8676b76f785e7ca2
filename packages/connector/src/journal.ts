/**
 * The embedded file store of the SAF queue (saf-store.ts; born the reversal journal): a reversal is written (and
 * fsynced) before its original request leaves (an advice before its caller is answered), and the original's
 * outcome (`done`) is written and fsynced before the caller sees the response, so that a crash at any point neither
 * loses a reversal nor reverses a purchase the caller saw approved. On the next start, every reversal not marked done
 * is sent. The embedded journal is an append-only file of JSON lines (`reversals.jsonl`) with group commit:
 * - records appended in the same turn of the event loop (e.g. the requests and responses of one read) are gathered
 *   until `setImmediate` and go out in one write and one fsync;
 * - records appended while a write + fsync is in progress wait for it and go out together in the next batch;
 * - every append resolves only after an fsync that began after its record was written (never earlier), and the
 *   in-memory state follows the disk: a record takes effect once durable.
 * Every write is checked (a short write on a full disk is repeated, and fails when no byte goes); a batch that
 * failed leaves its bytes behind, and the next batch overwrites them (its records, then blank lines over the rest).
 * The file is opened for writing with `O_DSYNC` where the platform has it: each write returns once its bytes (and the
 * file size, when it grew) are on disk, which is what write + `fdatasync` gives, in one trip to the thread pool instead
 * of two (elsewhere: write, then `fdatasync`).
 * The file is preallocated ahead of its records (blank lines), so that an fsync seldom has to commit a new file
 * size. It is compacted (its live entries only, written to a new file, fsynced, renamed, folder fsynced) when
 * opened; when its records would outgrow the preallocated part and the answered ones dominate; past `compactAt`;
 * and every `compactInterval` ms when anything was marked done since, so that the PAN of an answered request does
 * not stay in the file for long. The folder is locked by the process that opened it (`reversals.lock`).
 */
import { EventEmitter } from 'node:events';
import { constants, mkdirSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import { newlines, syncDir, writeAll } from './durable-file.js';
import { lockJournal } from './journal-lock.js';
import { SpareFile } from './journal-spare.js';
import { quarantine, readJournal } from './journal-read.js';
import { addRecord } from './saf-store.js';
import type { JournalEntry, JournalOutcome, ReversalJournal } from './saf-store.js';

export type { JournalEntry, JournalOutcome, ReversalJournal, SafEntry, SafEntryKind, SafStore } from './saf-store.js';

/** Options of {@link FileJournal}. */
export interface FileJournalOptions {
  /** The file size (bytes) past which it is compacted while running. Default 64 MiB. */
  compactAt?: number;
  /** How far (bytes) the file is preallocated ahead of its records. Default 4 MiB. */
  preallocate?: number;
  /** Milliseconds between compactions while entries are being marked done; 0 = only by size. Default 60000. */
  compactInterval?: number;
  /** Where warnings go (corrupt lines, a stale lock, a failed compaction). Default: a silent logger. */
  logger?: Logger;
}

/** The defaults of {@link FileJournalOptions}. */
const DEFAULTS = { compactAt: 64 * 1024 * 1024, preallocate: 4 * 1024 * 1024, compactInterval: 60_000 };

/**
 * `O_DSYNC` where the platform defines it (Linux, macOS): writes through a handle opened with it are durable when they
 * return. Undefined elsewhere (Windows), where each batch is followed by `fdatasync`.
 */
const SYNC_ON_WRITE: number | undefined = (constants as { O_DSYNC?: number }).O_DSYNC;

/** The journal file's name in its folder. */
export const JOURNAL_FILE = 'reversals.jsonl';

interface Pending {
  text: string;
  /** Applies the record to the in-memory state once it is durable. */
  apply(): void;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The embedded append-only file journal in a folder (created if missing, mode 0700; the file is mode 0600). Emits
 * `compact` ({ live, bytes, spare }) after each compaction (`spare`: it went into the file made ahead).
 */
export class FileJournal extends EventEmitter implements ReversalJournal {
  /** The journal file. */
  readonly path: string;
  /** The file size (bytes) past which it is compacted while running. */
  readonly compactAt: number;
  /** How far (bytes) the file is preallocated ahead of its records. */
  readonly preallocate: number;
  /** Milliseconds between compactions while entries are marked done (0 = off). */
  readonly compactInterval: number;
  private readonly logger: Logger;
  private handle: FileHandle | undefined;
  private unlock: (() => Promise<void>) | undefined;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private compactDue = false;
  private timer: NodeJS.Timeout | undefined;
  private batchCount = 0;
  private recordCount = 0;
  private compactions = 0;
  private doneSinceCompaction = 0;
  /** Where the next record goes (the end of the records). */
  private bytes = 0;
  /** The file size: records, then preallocated blank lines. */
  private allocated = 0;
  /** The end of the bytes a failed batch may have left past `bytes` (overwritten by the next batch). */
  private dirtyEnd = 0;
  /** The durable state: entries added and not done. */
  private readonly live = new Map<string, JournalEntry>();
  /** The next file, made ahead for the next compaction. */
  private readonly spare: SpareFile;

  constructor(
    readonly dir: string,
    options: FileJournalOptions = {},
  ) {
    super();
    this.path = join(dir, JOURNAL_FILE);
    this.compactAt = options.compactAt ?? DEFAULTS.compactAt;
    this.preallocate = options.preallocate ?? DEFAULTS.preallocate;
    this.compactInterval = options.compactInterval ?? DEFAULTS.compactInterval;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.spare = new SpareFile(`${this.path}.next`, this.preallocate, this.logger);
  }

  /** Entries added and not yet done (durable state). */
  get size(): number {
    return this.live.size;
  }

  /** Write + fsync batches so far, the records they carried (records / batches = the group commit factor), compactions. */
  get batches(): { batches: number; records: number; compactions: number } {
    return { batches: this.batchCount, records: this.recordCount, compactions: this.compactions };
  }

  async open(): Promise<JournalEntry[]> {
    try {
      // A folder made now is durable only once its parent is fsynced.
      const made = mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (made !== undefined) await syncDir(dirname(made));
      this.unlock = await lockJournal(this.dir, this.logger);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED') throw err;
      throw connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', `the reversal journal in ${this.dir} cannot be opened`, {
        field: 'reversal.journalDir',
        cause: err,
      });
    }
    try {
      let data = Buffer.alloc(0);
      try {
        data = await readFile(this.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const contents = readJournal(data);
      // The bad bytes are safe in quarantine before the rewrite drops them from the journal.
      await quarantine(this.path, contents, this.logger);
      for (const [id, entry] of contents.live) this.live.set(id, entry);
      await this.rewrite();
      if (this.compactInterval > 0) {
        this.timer = setInterval(() => this.compactIfDone(), this.compactInterval);
        this.timer.unref();
      }
      return [...contents.live.values()].map((e) => ({ ...e }));
    } catch (err) {
      await this.release();
      throw connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', `the reversal journal in ${this.dir} cannot be opened`, {
        field: 'reversal.journalDir',
        cause: err,
      });
    }
  }

  add(entry: JournalEntry): Promise<void> {
    return this.append(addRecord(entry), () => this.live.set(entry.id, { ...entry }));
  }

  attempt(id: string, attempt: number): Promise<void> {
    return this.append(JSON.stringify({ op: 'attempt', id, attempt }), () => {
      const entry = this.live.get(id);
      if (entry !== undefined) entry.attempts = Math.max(entry.attempts ?? 0, attempt);
    });
  }

  done(id: string, outcome: JournalOutcome): Promise<void> {
    return this.append(JSON.stringify({ op: 'done', id, outcome, at: Date.now() }), () => {
      this.live.delete(id);
      this.doneSinceCompaction += 1;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.compactDue = false;
    while (this.flushing !== undefined || this.pending.length > 0) await (this.flushing ?? this.flush());
    await this.handle?.close();
    this.handle = undefined;
    await this.spare.discard();
    await this.release();
  }

  private async release(): Promise<void> {
    const unlock = this.unlock;
    this.unlock = undefined;
    await unlock?.();
  }

  /** The bytes the live entries take in a compacted file. */
  private compacted(): Buffer {
    let text = '';
    for (const e of this.live.values()) {
      text += addRecord(e) + '\n';
    }
    return Buffer.from(text);
  }

  /**
   * Compaction: the live entries go to the spare file made ahead (journal-spare.ts), or else to a new file followed by
   * the preallocated blank lines; it is synced, then renamed over the old one (and the folder fsynced), and reopened
   * for writing at the end of the records. The next spare file is then made in the background.
   */
  private async rewrite(): Promise<void> {
    const text = this.compacted();
    // The spare file made ahead takes the live entries when they fill at most half of it; else a new file is written.
    const spare = text.length * 2 <= this.spare.size ? this.spare.take() : undefined;
    const from = spare ?? `${this.path}.tmp`;
    const out = await open(from, spare === undefined ? 'w' : 'r+', 0o600);
    try {
      await writeAll(out, text, 0);
      if (spare === undefined) {
        await writeAll(out, newlines(this.preallocate), text.length);
        await out.sync();
      } else {
        // Its size is on disk since it was made: the data is all there is to sync.
        await out.datasync();
      }
    } catch (err) {
      await out.close();
      await unlink(from).catch(() => undefined);
      throw err;
    }
    await out.close();
    await rename(from, this.path);
    await syncDir(this.dir);
    const handle = await open(this.path, SYNC_ON_WRITE === undefined ? 'r+' : constants.O_RDWR | SYNC_ON_WRITE);
    await this.handle?.close();
    this.handle = handle;
    this.bytes = text.length;
    this.allocated = spare === undefined ? text.length + this.preallocate : this.spare.size;
    this.dirtyEnd = 0;
    this.doneSinceCompaction = 0;
    this.compactions += 1;
    if (!this.closed) this.spare.prepare();
    if (this.listenerCount('compact') > 0) this.emit('compact', { live: this.live.size, bytes: text.length, spare: spare !== undefined });
  }

  private compactIfDone(): void {
    if (this.closed || this.doneSinceCompaction === 0) return;
    this.compactDue = true;
    if (this.flushing === undefined) void this.flush();
  }

  private append(line: string, apply: () => void): Promise<void> {
    if (this.handle === undefined || this.closed) {
      return Promise.reject(
        connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal is not open', { field: 'reversal.journalDir' }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ text: line + '\n', apply, resolve, reject });
      // In progress: the batch after it takes this record. Else: gather the rest of this turn first.
      if (this.flushing === undefined && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (this.flushing === undefined && this.pending.length > 0) void this.flush();
        });
      }
    });
  }

  /** Writes everything queued in one write and one fsync, then repeats while more was queued meanwhile. */
  private flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0 || this.compactDue) void this.flush();
    });
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.pending.length > 0 || this.compactDue) {
      if (this.compactDue) {
        this.compactDue = false;
        await this.rewrite().catch((err: NodeJS.ErrnoException) =>
          this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_JOURNAL', cause: err.code }, 'the reversal journal cannot be compacted'),
        );
        continue;
      }
      const batch = this.pending;
      this.pending = [];
      try {
        const text = Buffer.from(batch.map((p) => p.text).join(''));
        // Out of preallocated room while answered entries dominate: compact instead of growing the file.
        if (this.bytes + text.length > this.allocated && this.compacted().length * 2 < this.bytes) {
          await this.rewrite().catch((err: NodeJS.ErrnoException) =>
            this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_JOURNAL', cause: err.code }, 'the reversal journal cannot be compacted'),
          );
        }
        await this.writeBatch(text);
        this.batchCount += 1;
        this.recordCount += batch.length;
        for (const p of batch) p.apply();
        if (this.bytes > this.compactAt) this.compactDue = true;
        for (const p of batch) p.resolve();
      } catch (err) {
        const error = connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal cannot be written', {
          field: 'reversal.journalDir',
          cause: err,
        });
        this.logger.error({ code: error.code, cause: (err as NodeJS.ErrnoException).code, records: batch.length }, 'the reversal journal cannot be written');
        for (const p of batch) p.reject(error);
      }
    }
  }

  /**
   * Writes a batch at the end of the records, with blank lines after it over whatever a failed batch left there and
   * over a new preallocated part when the records outgrow the file, then fsyncs (data; and the size when it grew).
   */
  private async writeBatch(text: Buffer): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) throw new Error('the journal is closed');
    const at = this.bytes;
    const end = at + text.length;
    const padTo = Math.max(this.dirtyEnd, end > this.allocated ? end + this.preallocate : end);
    try {
      await writeAll(handle, text, at);
      if (padTo > end) await writeAll(handle, newlines(padTo - end), end);
      // With O_DSYNC every write above returned once durable: an fsync would only repeat them.
      if (SYNC_ON_WRITE === undefined) await handle.datasync();
    } catch (err) {
      // Some of it may be on disk: the next batch (written at the same place) covers it with records and blank lines.
      const size = await handle.stat().then(
        (s) => s.size,
        () => padTo,
      );
      this.dirtyEnd = Math.max(this.dirtyEnd, Math.min(padTo, size));
      throw err;
    }
    this.bytes = end;
    this.allocated = Math.max(this.allocated, padTo);
    this.dirtyEnd = 0;
  }
}
