/**
 * The recovery of the file journal's group commit (journal-writes.ts) from a failed write, and its stop: the base class
 * of `JournalWrites`, holding the offsets and batches both share. A failed batch's bytes are blanked (durably) before
 * anything else is acknowledged, so that a record whose append failed is never read back; when that fails, the next
 * batch covers them (nothing after it went through), or else the journal stops, and its close blanks them once more.
 * It stops too when its file or its lock is no longer its own (journal-hold.ts): every append refused until reopened.
 */
import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { LogLimits } from '@iso8583/metrics';
import { logCapped } from './quiet-log.js';
import { Batch, blankFailed, blankRanges } from './journal-batch.js';
import type { FailedRange } from './journal-batch.js';
import { journalError, stoppedError } from './journal-hold.js';
import type { JournalHold } from './journal-hold.js';
import type { JournalHalt } from './saf-store.js';

/**
 * Lines a second, at most, of each kind of failed-write error ("cannot be written", "cannot blank a failed write", by
 * the system's error code): a full disk fails every batch (hundreds a second with a SAF backlog); the lines left out
 * are counted in the next one written (`suppressed`).
 */
export const JOURNAL_WRITE_ERRORS_PER_SECOND = 1;

/** Most entry ids of refused `done` records named by the stop's line (`doneRefused`) after a blanking that failed. */
const DONE_IDS_LOGGED = 32;

/** The recovery from a failed write and the stop of `FileJournal`'s group commit (see the file's note). */
export abstract class JournalRecovery extends EventEmitter {
  /** The journal file. */
  readonly path: string;
  protected readonly logger: Logger;
  protected handle: FileHandle | undefined;
  /** The folder's lock and the identity of the file `handle` writes to. */
  protected hold: JournalHold | undefined;
  /** The batch gathering appends. */
  protected current = new Batch();
  /** Batches whose write started and that have not taken effect yet, in the order of their offsets. */
  protected writing: Batch[] = [];
  /** A write failed: no write starts until the writes in flight settled and the failure was dealt with. */
  protected failing = false;
  /** Set when the journal stopped after a failure it could not repair: every append fails with it. */
  protected stopped: Iso8583Error | undefined;
  /** Why it stopped, with `stopped`. */
  protected halt: JournalHalt | undefined;
  /** Where the next batch goes (the end of the records, and of the batches in flight). */
  protected bytes = 0;
  /** The end of the bytes a failed batch left past `bytes` when they could not be blanked (overwritten by the next batch). */
  protected dirtyEnd = 0;
  /** The entries whose refused `done` may be in those bytes (the first `DONE_IDS_LOGGED`), while `dirtyEnd` is set. */
  private dirtyDone: string[] = [];
  /**
   * The bytes failed batches left unblanked between written ones (the journal stopped: no batch covers them), each with
   * the entries whose refused `done` may be in them: blanked at close (`coverAtClose`).
   */
  protected between: (FailedRange & { done: string[] })[] = [];
  /** The cap on the failed-write lines (`JOURNAL_WRITE_ERRORS_PER_SECOND`). */
  private readonly lines = new LogLimits(JOURNAL_WRITE_ERRORS_PER_SECOND);

  protected constructor(path: string, logger: Logger) {
    super();
    this.path = path;
    this.logger = logger;
  }

  /** A written batch takes effect (journal-writes.ts): counted, its changes applied, its appends resolved. */
  protected abstract commit(batch: Batch): void;

  /** A failed write, or files found lost, are being dealt with once the writes in flight returned: no write starts. */
  protected get isFailing(): boolean {
    return this.failing;
  }

  /** True once the journal stopped for good (every append refused). */
  protected get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  /**
   * After a failed write, once every write in flight settled (runs alone): whatever the failed batches left in the file
   * is blanked (durably) before anything else is acknowledged, so that a record whose append failed is never read back
   * (a whole `add` of a request that never left, a `done` whose caller saw it fail), not even after a crash before the
   * next write. Then the later batches take effect; when none went through, the next batch goes where the first failed
   * one began. When the blanking fails: with later batches written, they are acknowledged (whole and synced: the next
   * start reads them back), the failed ones fail, and the journal stops (the failed bytes may be read back then); with
   * none, the next batch is written over the failed bytes (blank lines after its records) before it is
   * acknowledged, and the journal goes on. With the journal's files found lost (`lostFiles`: also when the batches
   * before the failed ones, written, were held back for it), the failed bytes are dealt with the same way, then the
   * journal stops: with only its lock removed, its file is the one the next start reads.
   */
  protected async recover(): Promise<void> {
    const batches = this.writing;
    this.writing = [];
    const failed = batches.filter((b) => b.state === 'failed');
    const first = failed[0] as Batch;
    const error = journalError('cannot be written', first.error);
    const cause = (first.error as NodeJS.ErrnoException).code;
    const records = failed.reduce((n, b) => n + b.size, 0);
    logCapped(this.logger, this.lines, `written ${cause}`, 'error', { code: error.code, cause, path: this.path, records, batches: failed.length }, 'the reversal journal cannot be written');
    const later = batches.slice(batches.indexOf(first) + 1).some((b) => b.state === 'written');
    try {
      const handle = this.handle;
      if (handle === undefined) throw new Error('the journal is closed');
      await blankFailed(handle, failed);
    } catch (err) {
      if (!later) {
        // Nothing after the failure went through: the next batch covers the failed bytes, over their whole extent.
        const blank = (err as NodeJS.ErrnoException).code;
        // Until the next batch covers them, a crash reads the failed batches' whole lines back: name the refused `done`s.
        logCapped(this.logger, this.lines, `blank ${blank}`, 'error', { code: error.code, cause: blank, path: this.path, doneRefused: doneRefused(failed) }, 'the reversal journal cannot blank a failed write');
        this.dirtyDone = (this.dirtyEnd > 0 ? [...this.dirtyDone, ...doneRefused(failed)] : doneRefused(failed)).slice(0, DONE_IDS_LOGGED);
        for (const b of failed) this.dirtyEnd = Math.max(this.dirtyEnd, b.reached);
        // Stopped when its files are lost: `coverAtClose` blanks from where the first failed batch began.
        this.bytes = first.at;
        if (this.lostFiles(batches, error)) return;
        this.retreat(first, batches, error);
        return;
      }
      // Later batches went through whole: the next start reads them back whatever happens now, so they are
      // acknowledged (a `done` refused there would be reversed from memory only, and read back as done after a
      // restart: charged while told failed); only the failed ones fail. Then the journal stops. Their bytes stay between
      // written ones, where no batch covers them: `coverAtClose` blanks them (a refused `done` read back ends its entry).
      for (const b of failed) if (b.reached > b.at) this.between.push({ at: b.at, end: b.reached, done: doneRefused([b]) });
      if (this.lostFiles(batches, error, { cause: (err as NodeJS.ErrnoException).code })) return;
      let acknowledged = 0;
      for (const b of batches) {
        if (b.state !== 'written') continue;
        acknowledged += b.size;
        this.commit(b);
      }
      for (const b of failed) b.fail(error);
      const stopped = stoppedError('after a write it could not repair', err);
      this.stop(stopped, { reason: 'after a write it could not repair', recordsLost: false }, [], { cause: (err as NodeJS.ErrnoException).code, unblanked: records, acknowledged, doneRefused: doneRefused(failed) });
      return;
    }
    if (!later) {
      // Bytes an earlier failed batch left unblanked (from where `first` began: no batch took effect since) were blanked
      // with it: `first` padded over them, and its bytes reached past them. The next batch need not pad over them again.
      if (first.reached >= this.dirtyEnd) this.dirtyEnd = 0;
      if (this.lostFiles(batches, error)) return;
      return this.retreat(first, batches, error);
    }
    if (this.lostFiles(batches, error)) return;
    for (const b of batches) {
      if (b.state === 'written') this.commit(b);
      else b.fail(error);
    }
    this.failing = false;
  }

  /**
   * At close, once idle: bytes failed batches left unblanked that no batch covered since (`dirtyEnd` past `bytes`, and
   * those left between written ones when the journal stopped: `between`) are blanked once more (durably, before it
   * resolves), so that a refused `done` there is not read back after a clean stop either (the next start would read its
   * entry as ended, and reverse nothing). Not in a file that is no longer the journal's (another process may write to
   * it); with only its lock removed, the file still its own, it is the one the next start reads: blanked. When that
   * fails, logged at error with the entries whose refused `done` the next start may read as ended (`doneRefused`).
   * Never rejects.
   */
  protected async coverAtClose(): Promise<void> {
    const handle = this.handle;
    const past = this.dirtyEnd > this.bytes;
    const ranges: FailedRange[] = past ? [...this.between, { at: this.bytes, end: this.dirtyEnd }] : [...this.between];
    if (handle === undefined || ranges.length === 0) return;
    const doneIds = [...this.between.flatMap((r) => r.done), ...(past ? this.dirtyDone : [])].slice(0, DONE_IDS_LOGGED);
    try {
      const why = this.hold?.lost();
      if (why !== undefined && this.hold?.keepsWritten() !== true) throw Object.assign(new Error(`the journal's files are no longer its own: ${why}`), { code: 'ELOST' });
      await blankRanges(handle, ranges);
      this.dirtyEnd = 0;
      this.dirtyDone = [];
      this.between = [];
    } catch (err) {
      const cause = (err as NodeJS.ErrnoException).code;
      this.logger.error(
        { code: 'ISO8583_ERR_CONNECTOR_JOURNAL', path: this.path, cause, doneRefused: doneIds },
        'the reversal journal cannot blank a failed write at close: the next start may read the entries whose done was refused (doneRefused) as ended',
      );
    }
  }

  /** No batch after the failed ones went through: they fail, and the next batch goes where the first of them began. */
  private retreat(first: Batch, failed: Batch[], error: Iso8583Error): void {
    this.bytes = first.at;
    for (const b of failed) b.fail(error);
    this.failing = false;
  }

  /**
   * True when the journal's file or its lock is no longer its own (removed with the folder, renamed, replaced): records
   * written since went into a file no later start reads. The journal then stops once no write is in flight, `held`
   * (the batches written, not yet acknowledged) failing with it (a failed one with `failed` when given; its bytes dealt
   * with by `recover` before; when their blanking failed with `unblanked`, the stop's line says so: `unblanked`, their
   * `doneRefused`).
   */
  protected lostFiles(held: Batch[], failed?: Iso8583Error, unblanked?: { cause: string | undefined }): boolean {
    const why = this.hold?.lost();
    if (why === undefined) return false;
    this.failing = true;
    if (held.some((b) => b.state === 'writing')) return true;
    const batches = held.splice(0);
    const written = batches.filter((b) => b.state === 'written');
    const records = written.reduce((n, b) => n + b.size, 0);
    // Only its lock removed, its file still its own (looked at now, not when the lock was found gone): the batches
    // written (whole and synced) are in the file the next start reads, so they are acknowledged, as `recover` does (a
    // `done` refused there would be reversed from memory only and read back as done: charged while told failed). With
    // the lock replaced (another process may hold the folder and have read the file already), or the file gone since,
    // they fail: said in the line (`writtenRefused`, `doneRefused`).
    const kept = this.hold?.keepsWritten() === true;
    const halt = { reason: why, recordsLost: this.hold?.fileLost === true };
    if (kept) for (const b of written) this.commit(b);
    const context: Record<string, unknown> = kept ? { acknowledged: records } : records > 0 ? { writtenRefused: records, doneRefused: doneRefused(written) } : {};
    if (unblanked !== undefined) {
      const left = batches.filter((b) => b.state === 'failed');
      Object.assign(context, { cause: unblanked.cause, unblanked: left.reduce((n, b) => n + b.size, 0), doneRefused: doneRefused([...(kept ? [] : written), ...left]) });
    }
    this.stop(stoppedError(`because ${why} while open`), halt, kept ? batches.filter((b) => b.state !== 'written') : batches, { path: this.path, reason: why, ...context }, failed);
    return true;
  }

  /**
   * The journal stops now, no write in flight (a compaction's last step), because of `reason` (`cause`: the error
   * behind it), its records still on disk (`halted().recordsLost` false): nothing more is acknowledged.
   */
  protected stopNow(reason: string, cause: unknown): void {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.stop(stoppedError(`because ${reason}`, cause), { reason, recordsLost: false }, [], { path: this.path, reason, cause: code });
  }

  /**
   * The journal stops with `stopped` (logged at `error` with `context`): nothing more is acknowledged (the batches
   * `held` back fail too, though they reached the disk: a request whose `add` fails never leaves, an answered one whose
   * `done` fails is reversed; a failed one with `failed` when given), every later append fails, and nothing is left to
   * hold back (so `close` can end). After a failed batch whose bytes could not be blanked (whole `add` lines of
   * requests that never left may be in the file), or when the file is no longer the journal's.
   */
  private stop(stopped: Iso8583Error, halt: JournalHalt, held: Batch[], context: Record<string, unknown>, failed?: Iso8583Error): void {
    this.logger.error({ code: stopped.code, ...context }, stopped.message);
    this.stopped = stopped;
    this.halt = halt;
    for (const b of held) b.fail(b.state === 'failed' && failed !== undefined ? failed : stopped);
    this.current.fail(stopped);
    this.current = new Batch();
    this.failing = false;
  }
}

/**
 * The entries (the first `DONE_IDS_LOGGED`) whose `done`, in the batches `refused` (failed, or written and refused), was
 * refused while its bytes may be read back as ending them (their reversal may have been sent from memory only).
 */
function doneRefused(refused: readonly Batch[]): string[] {
  return refused.flatMap((b) => b.ids.filter((_, i) => b.changes[i] === undefined)).slice(0, DONE_IDS_LOGGED);
}
