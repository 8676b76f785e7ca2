/**
 * The embedded transaction log: append-only JSON lines in a folder, one file per UTC day of the records' `at`
 * (`transactions-YYYY-MM-DD.jsonl`, mode 0600), so that retention deletes whole files. Appends are batched like the
 * reversal journal's group commit, but nobody waits for them (the connector does not await `record`): the records of
 * `flushDelay` ms (and those recorded while a batch is being written) go out in one write per file, and the files
 * written are fdatasynced at most every `syncInterval` ms, so that the log does not compete with the reversal
 * journal's fsyncs for the disk (a process crash loses nothing written; a power cut, at most `syncInterval` ms of
 * records). A batch that cannot be written is logged (`ISO8583_ERR_CONNECTOR_TRANSACTION_LOG`) and counted (the lines a
 * write cut short put whole in the file as stored, the rest as lost), and the next batch starts on a line of its own.
 * Queries read the files backwards (transaction-log-read.ts).
 * Each batch checks that the folder's lock and the day files it wrote are still the log's own (file-identity.ts, one
 * `stat` each): a folder removed (`rm -rf`) or replaced (a restore over it) while open would take every later record
 * into files no one reads. The log then reopens the folder (made again if missing, its lock taken again: another
 * process's lock is respected), writes the records of a batch whose file was lost again into the new file, and logs
 * `ISO8583_WARN_TRANSACTION_LOG_REOPENED` naming the folder; when it cannot, the batch fails as a failed write does
 * (counted in `stats.failed`, logged), and the next batch tries again.
 * A file that ends with a line cut by a crash gets a newline before the next record
 * (`ISO8583_WARN_TRANSACTION_LOG_CUT`). One process writes a folder: it is locked (`transactions.lock`); a reader
 * (`readOnly`, e.g. `iso8583 transactions` beside a running gateway) takes no lock and writes nothing. Every record
 * goes through the same allow-list as the PostgreSQL store (transaction-allow-list.ts) before it is written.
 */
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Iso8583Error } from '@iso8583/codec';
import { connectorError, systemCause } from './errors.js';
import { syncDir } from './durable-file.js';
import { notADirectory, openFolderLock } from './folder-lock.js';
import type { FolderLock, FolderLockKind } from './folder-lock.js';
import { toTransactionRecord } from './transaction-allow-list.js';
import type { TransactionLog, TransactionPage, TransactionQuery, TransactionRecord } from './transaction-log.js';
import { BatchWriteError, DayFiles, linesIn } from './transaction-log-days.js';
import { DAY_MS, SLACK_MS, STEP_BACK, dayFiles, dayOf, latestInFile, queryFolder, readAtOpen, readLinesBackwards, settledOf } from './transaction-log-read.js';
import { checkTransactionQuery } from './transaction-query.js';
import { WriteFailureEpisodes, reportedFailures } from './transaction-log-episodes.js';
import { LineBuffer } from './line-buffer.js';
import { Batch, refused } from './transaction-log-batch.js';
import { DEFAULTS } from './transaction-log-file-options.js';
import type { FileTransactionLogOptions } from './transaction-log-file-options.js';

export type { FileTransactionLogOptions } from './transaction-log-file-options.js';

/** The lock file of a transaction log folder. */
export const TRANSACTION_LOCK_FILE = 'transactions.lock';

/** The transaction log's folder lock. */
const LOCK_KIND: FolderLockKind = {
  file: TRANSACTION_LOCK_FILE,
  staleCode: 'ISO8583_WARN_TRANSACTION_LOG_STALE_LOCK',
  what: 'the transaction log',
  locked: (dir, pid) =>
    connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED', `the transaction log in ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}`, {
      field: 'transactionLog',
    }),
};

function logError(reason: string, dir: string, cause?: unknown, why = ''): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', `${reason} (${dir})${why}`, { field: 'transactionLog', cause });
}

/**
 * The error of a log folder path where a file is (put there before the start, or the folder removed and a file put at
 * its path while the log runs; or a file above it): names the path, says it is not a folder, the system's `ENOTDIR`
 * (folder-lock.ts) as its cause when there is one.
 */
function notAFolder(dir: string, cause?: unknown): Error {
  return logError('the transaction log folder is not a folder (a file is at its path or above it)', dir, cause, systemCause(cause));
}

/** Whether `err` says a file is where the folder should be ({@link notAFolder}). */
function isNotAFolder(err: unknown): boolean {
  return err instanceof Iso8583Error && err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOTDIR';
}

/** The embedded file store of the transaction log (see the file's opening comment). */
export class FileTransactionLog implements TransactionLog {
  /** Whether this instance only reads. */
  readonly readOnly: boolean;
  private readonly logger: Logger;
  private readonly flushDelay: number;
  private readonly syncInterval: number;
  /** The open day files. */
  private readonly days: DayFiles;
  /** When the last fdatasync of the files written was (`performance.now()`). */
  private lastSync = -Infinity;
  private syncTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private isOpen = false;
  private closed = false;
  /** The folder's lock (`undefined` before open, after close, and after it was lost and could not be taken again). */
  private lock: FolderLock | undefined;
  private batch: Batch | undefined;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
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
  /** The lines of a run of failed batches: one when it begins, one when it ends. */
  private readonly failures: WriteFailureEpisodes;
  /**
   * Whether the failures go to a logger the caller gave: only then are they reported (the recorder adds no line);
   * with the default silent logger, the recorder's own line is the only one.
   */
  private readonly logsFailures: boolean;

  constructor(
    /** The folder (made if missing, mode 0700). */
    readonly dir: string,
    options: FileTransactionLogOptions = {},
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.logsFailures = options.logger !== undefined;
    this.readOnly = options.readOnly ?? false;
    this.flushDelay = options.flushDelay ?? DEFAULTS.flushDelay;
    this.syncInterval = options.syncInterval ?? DEFAULTS.syncInterval;
    this.days = new DayFiles(dir, this.logger);
    this.failures = new WriteFailureEpisodes(this.logger, dir);
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
        throw (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? notAFolder(this.dir, err) : logError('there is no transaction log folder', this.dir, err);
      });
      if (!s.isDirectory()) throw notAFolder(this.dir, notADirectory(this.dir, 'stat'));
      this.isOpen = true;
      return;
    }
    this.lock = await this.takeLock();
    try {
      await this.seedLatest();
    } catch (err) {
      await this.releaseLock();
      throw logError('the transaction log cannot be opened', this.dir, err, systemCause(err));
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

  async query(query: TransactionQuery): Promise<TransactionPage> {
    const q = checkTransactionQuery(query);
    if (!this.isOpen) throw logError('the transaction log is not open', this.dir);
    // What was recorded before the query is part of its answer.
    await this.drain();
    try {
      return await queryFolder(this.dir, q, { logger: this.logger, reported: this.reported });
    } catch (err) {
      // A cursor that is not one of this store's is the query's error (400), not the log's.
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY') throw err;
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
        await this.days.forget(file.day);
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
    this.failures.closing();
    await this.syncFiles(true).catch((err: NodeJS.ErrnoException) =>
      this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', cause: err.code }, 'the transaction log cannot be synced'),
    );
    await this.days.closeAll();
    await this.releaseLock();
  }

  /** Makes the folder if missing and takes its lock (`ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED` when a live process holds it). */
  private async takeLock(): Promise<FolderLock> {
    try {
      return await openFolderLock(this.dir, LOCK_KIND, this.logger);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED') throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw notAFolder(this.dir, err);
      throw logError('the transaction log cannot be opened', this.dir, err, systemCause(err));
    }
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }

  /**
   * The latest outcomes of today's and yesterday's files (those appended to), for the lines written after a clock
   * step back; raised only (what this log wrote into them since stays counted).
   */
  private async seedLatest(): Promise<void> {
    for (const file of readAtOpen(await dayFiles(this.dir))) {
      const latest = await latestInFile(this.dir, file);
      if (latest !== undefined && latest > (this.latest.get(file.day) ?? -Infinity)) this.latest.set(file.day, latest);
    }
  }

  /**
   * The folder was removed or replaced, or a day file (`why` says which): every file is closed, the folder made again
   * if missing and its lock taken again if it was lost (a live process's lock is respected: its coded error is
   * thrown, and the next batch tries again), the latest outcomes read again from the files now there. Logged once per
   * loss, at `error` (`ISO8583_WARN_TRANSACTION_LOG_REOPENED`).
   */
  private async reopen(why: string): Promise<void> {
    await this.days.closeAll();
    try {
      if (this.lock === undefined || this.lock.lost() !== undefined) {
        await this.releaseLock();
        this.lock = await this.takeLock();
      }
      await this.seedLatest();
    } catch (err) {
      // A file where the folder was: that is the reason (the lock's `why` would only say it cannot be looked up).
      if (isNotAFolder(err)) throw err;
      throw logError(`the transaction log cannot be reopened: ${why}`, this.dir, err);
    }
    this.logger.error(
      { code: 'ISO8583_WARN_TRANSACTION_LOG_REOPENED', dir: this.dir, reason: why },
      'the transaction log folder or a file of it was removed or replaced while open: reopened',
    );
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
    await this.days.sync();
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
      // Lines of the batch in the files for good, when the batch fails: those of the days whose files kept their name.
      let storedBefore = 0;
      try {
        // The lock first: a folder removed or replaced since the last batch is reopened before anything is written.
        const lockLost = this.lock === undefined ? 'not held (it was lost and could not be taken again)' : this.lock.lost();
        if (lockLost !== undefined) await this.reopen(`its lock ${join(this.dir, TRANSACTION_LOCK_FILE)} was ${lockLost}`);
        let lost = await this.days.write(batch.days, [...batch.days.keys()]);
        // Written into a file that lost its name meanwhile: again, into the file now at that name (once).
        if (lost.length > 0) {
          storedBefore = batch.count - lost.reduce((n, [day]) => n + linesIn((batch.days.get(day) as LineBuffer).bytes(false)), 0);
          await this.reopen((lost[0] as [string, string])[1]);
          lost = await this.days.write(batch.days, lost.map(([day]) => day));
          if (lost.length > 0) throw logError(`the transaction log lost its file again: ${(lost[0] as [string, string])[1]}`, this.dir);
        }
        await this.syncFiles(this.syncInterval === 0);
        this.counts.records += batch.count;
        this.counts.batches += 1;
        this.failures.written();
        batch.resolve();
      } catch (thrown) {
        // A write cut short (a full disk) may have put some lines whole into their file: those are stored, and served.
        const err = thrown instanceof BatchWriteError ? thrown.cause : thrown;
        const stored = storedBefore + (thrown instanceof BatchWriteError ? thrown.stored : 0);
        this.counts.records += stored;
        this.counts.failed += batch.count - stored;
        const why = systemCause(err);
        // Why: the log's own reason (its file lost, the folder locked by another process), else the system's words and file.
        const reason = err instanceof Iso8583Error ? err.message : why.slice(2) || undefined;
        const cause = ((err instanceof Iso8583Error ? err.cause : err) as NodeJS.ErrnoException | undefined)?.code;
        this.failures.failed({ cause, reason, records: batch.count - stored, stored });
        const failure = logError('the transaction log cannot be written', this.dir, err, why);
        if (this.logsFailures) reportedFailures.add(failure);
        batch.reject(failure);
      } finally {
        // No write of these bytes is in flight any more: the buffers serve the next batches.
        for (const lines of batch.days.values()) LineBuffer.give(this.spare, lines);
      }
    }
  }
}
