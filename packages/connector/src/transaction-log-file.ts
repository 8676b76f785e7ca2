/**
 * The embedded transaction log: append-only JSON lines in a folder, one file per UTC day of the records' `at`
 * (`transactions-YYYY-MM-DD.jsonl`, mode 0600), so that retention deletes whole files. Appends are batched like the
 * reversal journal's group commit, but nobody waits for them (the connector does not await `record`): the records of
 * `flushDelay` ms (and those recorded while a batch is being written) go out in one write per file, and the files
 * written are fdatasynced at most every `syncInterval` ms, so that the log does not compete with the reversal
 * journal's fsyncs for the disk (a process crash loses nothing written; a power cut, at most `syncInterval` ms of
 * records). A batch that cannot be written is logged (`ISO8583_ERR_CONNECTOR_TRANSACTION_LOG`) and
 * counted, and the next batch starts on a line of its own. Queries read the files backwards (transaction-log-read.ts).
 * A file that ends with a line cut by a crash gets a newline before the next record
 * (`ISO8583_WARN_TRANSACTION_LOG_CUT`). One process writes a folder: it is locked (`transactions.lock`); a reader
 * (`readOnly`, e.g. `iso8583 transactions` beside a running gateway) takes no lock and writes nothing. Every record
 * goes through the same allow-list as the PostgreSQL store (transaction-allow-list.ts) before it is written.
 */
import { constants } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import { syncDir, writeAll } from './durable-file.js';
import { openFolder } from './folder-lock.js';
import { toTransactionRecord } from './transaction-allow-list.js';
import type { TransactionLog, TransactionQuery, TransactionRecord } from './transaction-log.js';
import { DAY_MS, SLACK_MS, STEP_BACK, dayFiles, dayOf, latestInFile, queryFolder, readLinesBackwards, settledOf, transactionFile } from './transaction-log-read.js';
import { checkTransactionQuery } from './transaction-query.js';
import { LineBuffer } from './line-buffer.js';

/** The lock file of a transaction log folder. */
export const TRANSACTION_LOCK_FILE = 'transactions.lock';

/** Options of {@link FileTransactionLog}. */
export interface FileTransactionLogOptions {
  /** Where warnings and write failures go. Default: a silent logger. */
  logger?: Logger;
  /** Query only: no lock, no folder made, `record` and `prune` refused (to read the folder of a running gateway). Default `false`. */
  readOnly?: boolean;
  /** Milliseconds records wait to be written together (0: the end of the event loop turn). Default 10. */
  flushDelay?: number;
  /** Milliseconds between fdatasyncs of the files written (0: after every batch, before its promise resolves). Default 1000. */
  syncInterval?: number;
}

/** The defaults of {@link FileTransactionLogOptions}. */
const DEFAULTS = { flushDelay: 10, syncInterval: 1000 };

/** The records of one batch, by day, and the promise that settles once they are written. */
class Batch {
  readonly days = new Map<string, LineBuffer>();
  count = 0;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Marked handled: a caller who does not wait for it must not crash the process when a batch fails.
    this.done.catch(() => undefined);
  }
}

/** An open day file. */
interface DayHandle {
  handle: FileHandle;
  /** A failed write may have left part of a line: the next write starts with a newline. */
  dirty: boolean;
}

function logError(reason: string, dir: string, cause?: unknown): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', `${reason} (${dir})`, { field: 'transactionLog', cause });
}

/** A rejected promise, marked handled (the connector does not wait for `record`). */
function refused(err: unknown): Promise<never> {
  const promise = Promise.reject(err as Error);
  promise.catch(() => undefined);
  return promise;
}

/** The embedded file store of the transaction log (see the file's opening comment). */
export class FileTransactionLog implements TransactionLog {
  /** Whether this instance only reads. */
  readonly readOnly: boolean;
  private readonly logger: Logger;
  private readonly flushDelay: number;
  private readonly syncInterval: number;
  /** Files written since their last fdatasync, and when the last one was (`performance.now()`). */
  private readonly unsynced = new Set<DayHandle>();
  private lastSync = -Infinity;
  private syncTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private isOpen = false;
  private closed = false;
  private unlock: (() => Promise<void>) | undefined;
  private batch: Batch | undefined;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private readonly handles = new Map<string, DayHandle>();
  /** The line buffers of batches written, for the next batches. */
  private readonly spare: LineBuffer[] = [];
  private readonly reported = new Set<string>();
  /** The day of the last record and its bounds (most records fall in it: no date is formatted for them). */
  private day = '';
  private dayStart = 0;
  private dayEnd = 0;
  /** The latest outcome (`at + latencyMs`) recorded in each day file so far (seeded at open from the newest files). */
  private readonly latest = new Map<string, number>();
  private counts = { records: 0, batches: 0, failed: 0 };

  constructor(
    /** The folder (made if missing, mode 0700). */
    readonly dir: string,
    options: FileTransactionLogOptions = {},
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.readOnly = options.readOnly ?? false;
    this.flushDelay = options.flushDelay ?? DEFAULTS.flushDelay;
    this.syncInterval = options.syncInterval ?? DEFAULTS.syncInterval;
  }

  /** Records written, batches (write + fdatasync) and records lost to failed batches, so far. */
  get stats(): { records: number; batches: number; failed: number } {
    return { ...this.counts };
  }

  /** Makes the folder, takes its lock. Safe to call more than once (every connector sharing the log calls it). */
  open(): Promise<void> {
    this.opening ??= this.openNow();
    return this.opening;
  }

  private async openNow(): Promise<void> {
    if (this.closed) throw logError('the transaction log is closed', this.dir);
    if (this.readOnly) {
      const s = await stat(this.dir).catch((err: unknown) => {
        throw logError('there is no transaction log folder', this.dir, err);
      });
      if (!s.isDirectory()) throw logError('the transaction log folder is not a folder', this.dir);
      this.isOpen = true;
      return;
    }
    try {
      this.unlock = await openFolder(
        this.dir,
        {
          file: TRANSACTION_LOCK_FILE,
          staleCode: 'ISO8583_WARN_TRANSACTION_LOG_STALE_LOCK',
          what: 'the transaction log',
          locked: (dir, pid) =>
            connectorError(
              'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED',
              `the transaction log in ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}`,
              { field: 'transactionLog' },
            ),
        },
        this.logger,
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED') throw err;
      throw logError('the transaction log cannot be opened', this.dir, err);
    }
    try {
      // Today's and yesterday's files are appended to: their latest outcomes, for lines written after a step back.
      for (const file of (await dayFiles(this.dir)).slice(0, 2)) {
        const latest = await latestInFile(join(this.dir, file.name));
        if (latest !== undefined && latest > (this.latest.get(file.day) ?? -Infinity)) this.latest.set(file.day, latest);
      }
    } catch (err) {
      await this.unlock?.();
      this.unlock = undefined;
      throw logError('the transaction log cannot be opened', this.dir, err);
    }
    this.isOpen = true;
    // Records given before open waited for it.
    if (this.batch !== undefined) this.schedule();
  }

  /**
   * Records a transaction: resolves once its batch is written. The record goes through the allow-list first
   * (`toTransactionRecord`): only the keys of a TransactionRecord, the PAN masked; an invalid record is refused with
   * `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the key, and nothing is written. A refused record's promise is
   * marked handled: a caller that does not wait for it never sees an unhandled rejection.
   */
  record(record: TransactionRecord): Promise<void> {
    if (this.closed || this.readOnly) {
      return refused(logError(this.readOnly ? 'the transaction log is open for reading only' : 'the transaction log is closed', this.dir));
    }
    let clean: TransactionRecord;
    try {
      clean = toTransactionRecord(record);
    } catch (err) {
      return refused(err);
    }
    const at = clean.at;
    if (!(at >= this.dayStart && at < this.dayEnd)) {
      this.dayStart = Math.floor(at / DAY_MS) * DAY_MS;
      this.dayEnd = this.dayStart + DAY_MS;
      this.day = dayOf(this.dayStart);
    }
    const batch = (this.batch ??= new Batch());
    let lines = batch.days.get(this.day);
    if (lines === undefined) batch.days.set(this.day, (lines = LineBuffer.take(this.spare)));
    const settled = settledOf(clean);
    const latest = this.latest.get(this.day) ?? -Infinity;
    let line = JSON.stringify(clean);
    if (settled >= latest) this.latest.set(this.day, settled);
    // The wall clock was stepped back: the line says how much later the latest outcome before it is (queries read
    // files backwards and stop at a line older than they look for: transaction-log-read.ts).
    else if (settled < latest - SLACK_MS) line = `${line.slice(0, -1)},"${STEP_BACK}":${latest - settled}}`;
    lines.push(line);
    batch.count += 1;
    if (this.flushing === undefined && !this.scheduled && this.isOpen) this.schedule();
    return batch.done;
  }

  async query(query: TransactionQuery): Promise<TransactionRecord[]> {
    const q = checkTransactionQuery(query);
    if (!this.isOpen) throw logError('the transaction log is not open', this.dir);
    // What was recorded before the query is part of its answer.
    await this.drain();
    try {
      return await queryFolder(this.dir, q, { logger: this.logger, reported: this.reported });
    } catch (err) {
      throw logError('the transaction log cannot be read', this.dir, err);
    }
  }

  async prune(before: number): Promise<number> {
    if (this.readOnly || !this.isOpen) throw logError(this.readOnly ? 'the transaction log is open for reading only' : 'the transaction log is not open', this.dir);
    if (!Number.isFinite(before)) throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'must be a time in milliseconds', { field: 'before' });
    await this.drain();
    let removed = 0;
    try {
      for (const file of await dayFiles(this.dir)) {
        // Whole days only: a file goes once every record it can hold is older than `before`.
        if (file.end > before) continue;
        const path = join(this.dir, file.name);
        let lines = 0;
        await readLinesBackwards(path, (line) => {
          if (line.charCodeAt(0) === 0x7b) lines += 1;
          return false;
        });
        const open = this.handles.get(file.day);
        this.handles.delete(file.day);
        if (open !== undefined) this.unsynced.delete(open);
        await open?.handle.close();
        await unlink(path);
        removed += lines;
      }
      if (removed > 0) await syncDir(this.dir);
    } catch (err) {
      throw logError('the transaction log cannot be pruned', this.dir, err);
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.opening !== undefined) await this.opening.catch(() => undefined);
    await this.drain();
    this.closed = true;
    await this.syncFiles(true).catch((err: NodeJS.ErrnoException) =>
      this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', cause: err.code }, 'the transaction log cannot be synced'),
    );
    for (const h of this.handles.values()) await h.handle.close().catch(() => undefined);
    this.handles.clear();
    const unlock = this.unlock;
    this.unlock = undefined;
    await unlock?.();
  }

  /** Resolves once everything recorded so far is written (or failed). */
  private async drain(): Promise<void> {
    while (this.isOpen && (this.flushing !== undefined || this.batch !== undefined)) await (this.flushing ?? this.flush());
  }

  private schedule(): void {
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      if (this.flushing === undefined && this.batch !== undefined) void this.flush();
    };
    if (this.flushDelay > 0) setTimeout(go, this.flushDelay);
    else setImmediate(go);
  }

  /** fdatasyncs the files written since the last time (now, or once `syncInterval` has passed since the last). */
  private async syncFiles(now: boolean): Promise<void> {
    // The monotonic clock: a wall clock stepped back an hour would hold the next fdatasync back an hour as well.
    if (!now && performance.now() - this.lastSync < this.syncInterval) {
      this.syncTimer ??= setTimeout(() => {
        this.syncTimer = undefined;
        void this.syncFiles(true).catch((err: NodeJS.ErrnoException) =>
          this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', cause: err.code }, 'the transaction log cannot be synced'),
        );
      }, this.syncInterval - (performance.now() - this.lastSync));
      this.syncTimer.unref();
      return;
    }
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.lastSync = performance.now();
    const files = [...this.unsynced];
    this.unsynced.clear();
    for (const h of files) await h.handle.datasync();
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeBatches().finally(() => {
      this.flushing = undefined;
      // A record made after the last batch settled and before this point found a flush under way and scheduled
      // nothing: without this it would wait in memory for the next record, query or close.
      if (this.batch !== undefined && !this.scheduled && this.isOpen) this.schedule();
    });
    return this.flushing;
  }

  private async writeBatches(): Promise<void> {
    while (this.batch !== undefined) {
      const batch = this.batch;
      this.batch = undefined;
      try {
        for (const [day, lines] of batch.days) {
          const h = await this.handleOf(day);
          const text = lines.bytes(h.dirty);
          h.dirty = true;
          await writeAll(h.handle, text, null);
          h.dirty = false;
          // Marked at once: a batch over three days or more closes the oldest file it wrote (handleOf keeps two
          // open), and a file marked unsynced is fdatasynced before it is closed, never synced after.
          this.unsynced.add(h);
        }
        await this.syncFiles(this.syncInterval === 0);
        this.counts.records += batch.count;
        this.counts.batches += 1;
        batch.resolve();
      } catch (err) {
        this.counts.failed += batch.count;
        const error = logError('the transaction log cannot be written', this.dir, err);
        this.logger.error(
          { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', cause: (err as NodeJS.ErrnoException).code, records: batch.count },
          'the transaction log cannot be written: records lost',
        );
        batch.reject(error);
      } finally {
        // No write of these bytes is in flight any more: the buffers serve the next batches.
        for (const lines of batch.days.values()) LineBuffer.give(this.spare, lines);
      }
    }
  }

  /** The open file of a day (opened for appending; a cut last line ended with a newline first). */
  private async handleOf(day: string): Promise<DayHandle> {
    const known = this.handles.get(day);
    if (known !== undefined) return known;
    const path = join(this.dir, transactionFile(day));
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
    const h: DayHandle = { handle, dirty: false };
    try {
      const { size } = await handle.stat();
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
    // Today and yesterday (a record accepted before midnight and settled after) stay open; older days close.
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
}
