/**
 * The group commit of the file journal (journal.ts), the base class of `FileJournal`: the writes, the recovery from a
 * failed one and the stop, which share one set of offsets and batch states (`bytes`, `dirtyEnd`, `writing`).
 * - records appended in one turn of the event loop go out in one batch, one write (journal-batch.ts), through an
 *   `O_DSYNC` handle where the platform has it (durable when the write returns; elsewhere write + `fdatasync`); a
 *   batch that reaches `batchRecords` (if set lower) starts at once, so that callers released together split up;
 * - up to `concurrentWrites` batch writes are in flight, each at the offset assigned when it starts; batches take
 *   effect and resolve in offset order, each only once its own write returned. A `done`/`attempt` is appended only
 *   after its `add` resolved, so it lands in a later batch: no record on disk refers to an `add` that is not durable;
 * - a failed batch is refused and nothing starts until the writes in flight settled; then its bytes are blanked
 *   (durably) before anything else is acknowledged: a record whose append failed is never read back. When that fails,
 *   the next batch covers them (nothing after it went through), or else the journal stops (every append refused until
 *   reopened). A batch that grows the file goes alone;
 * - before written batches take effect (once per pass, not per record), the file's name and the lock's must still name
 *   this journal's files (journal-hold.ts): when the folder was removed or a file renamed or replaced, the journal stops.
 * A compaction (the subclass's `compact`) starts when due, as soon as the batch that made it due took effect (later
 * ones may be in flight), and runs beside the writes: the batches that take effect meanwhile are kept (`carried`) for
 * it to copy into the new file; its last step runs alone (`whenQuiet`: no write in flight, none started), and `close`
 * waits for it; while it runs, a batch past the end of the file grows it by at most {@link GROW_WHILE_COMPACTING} (the
 * file is about to be replaced). When one is due, and the retry of one that failed: journal-compaction-due.ts.
 */
import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { Batch, blankFailed, countWrite } from './journal-batch.js';
import type { Change, JournalWriteStats } from './journal-batch.js';
import { CompactionDue } from './journal-compaction-due.js';
import { connectorError } from './errors.js';
import { journalError, stoppedError } from './journal-hold.js';
import { LiveLines } from './journal-live.js';
import type { JournalHold } from './journal-hold.js';
import type { ResolvedJournalOptions } from './journal-options.js';
import { withAttempts } from './journal-record.js';
import type { JournalHalt } from './saf-store.js';

/** How far (bytes) a batch past the end of the file grows it while a compaction runs (at most `preallocate`): 256 KiB. */
export const GROW_WHILE_COMPACTING = 256 * 1024;

/**
 * The group commit of `FileJournal`: appends gathered into batches, written at their offsets, taking effect in order;
 * the recovery from a failed write and the stop. `FileJournal` opens the file, compacts it and closes it.
 */
export abstract class JournalWrites extends EventEmitter {
  /** The journal file. */
  readonly path: string;
  /** The file size (bytes) past which it is compacted while running (once twice the live text: FileJournalOptions). */
  readonly compactAt: number;
  /** How far (bytes) the file is preallocated ahead of its records. */
  readonly preallocate: number;
  /** How many batch writes may be in flight at once (1 where the file is not opened with `O_DSYNC`). */
  readonly concurrentWrites: number;
  /** The records at which a batch closes and its write starts without waiting for the end of the turn. */
  readonly batchRecords: number;
  protected readonly logger: Logger;
  protected handle: FileHandle | undefined;
  /** The folder's lock and the identity of the file `handle` writes to. */
  protected hold: JournalHold | undefined;
  /** The batch gathering appends. */
  private current = new Batch();
  /** Batches whose write started and that have not taken effect yet, in the order of their offsets. */
  protected writing: Batch[] = [];
  private scheduled = false;
  /** The recovery from a failed write, or the last step of a compaction, runs: no write starts. */
  protected exclusive = false;
  /** The compaction running beside the writes, if any. */
  private compacting: Promise<void> | undefined;
  /** While a compaction runs: the text of every batch that took effect since its snapshot, in order. */
  protected carried: string[] | undefined;
  /** A compaction's last step, waiting for the writes in flight to return (no write starts meanwhile). */
  private quiet: (() => Promise<void>) | undefined;
  /** A batch that grows the file (or covers a failed batch's bytes) is in flight: no other write starts. */
  private barrier = false;
  /** A write failed: no write starts until the writes in flight settled and the failure was dealt with. */
  private failing = false;
  /** Set when the journal stopped after a failure it could not repair: every append fails with it. */
  private stopped: Iso8583Error | undefined;
  /** Why it stopped, with `stopped`. */
  protected halt: JournalHalt | undefined;
  protected closed = false;
  /** When the next compaction is due (journal-compaction-due.ts). */
  protected readonly due: CompactionDue;
  protected idleWaiters: (() => void)[] = [];
  protected batchCount = 0;
  protected recordCount = 0;
  protected readonly figures: JournalWriteStats = { writes: 0, totalMs: 0, maxMs: 0, maxInFlight: 0 };
  /** Where the next batch goes (the end of the records, and of the batches in flight). */
  protected bytes = 0;
  /** The file size: records, then preallocated blank lines. */
  protected allocated = 0;
  /** The end of the bytes a failed batch left past `bytes` when they could not be blanked (overwritten by the next batch). */
  protected dirtyEnd = 0;
  /** The durable state: entries added and not done, each as its `add` line (what compaction writes). */
  protected readonly live = new LiveLines();
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.pump();
  };

  protected constructor(path: string, o: ResolvedJournalOptions) {
    super();
    this.path = path;
    this.compactAt = o.compactAt;
    this.preallocate = o.preallocate;
    this.concurrentWrites = o.concurrentWrites;
    this.batchRecords = o.batchRecords;
    this.logger = o.logger;
    this.due = new CompactionDue(o.compactAt, o.compactInterval, () => this.pump());
  }

  /**
   * A compaction while running, started by `pump` when due; runs beside the writes (see the module comment). Resolves
   * `true` once the new file is the journal, `false` when it failed or was given up (logged); never rejects.
   */
  protected abstract compact(): Promise<boolean>;

  /** A failed write, or files found lost, are being dealt with once the writes in flight returned: no write starts. */
  protected get isFailing(): boolean {
    return this.failing;
  }

  /** True once the journal stopped for good (every append refused). */
  protected get isStopped(): boolean {
    return this.stopped !== undefined;
  }

  /** Starts a compaction beside the writes; `pump` runs again when it ends (after a failure, once the retry is due). */
  private startCompaction(): void {
    this.compacting = this.compact()
      .then((done) => {
        if (done) this.due.succeeded();
        // Not once closed or stopped, nor when the journal's files were lost (it stops).
        else if (!this.closed && this.stopped === undefined && this.hold?.lost() === undefined) this.due.retryLater();
      })
      .finally(() => {
        this.compacting = undefined;
        this.pump();
      });
  }

  /** A compaction may start now: none runs, none waits for its retry, and the journal is open and not stopped. */
  private get mayCompact(): boolean {
    return this.compacting === undefined && !this.due.retrying && this.handle !== undefined && this.stopped === undefined;
  }

  /**
   * Runs `task` alone (a compaction's last step) once the writes in flight returned; no write starts from now until it
   * is done. Resolves or rejects as `task` does.
   */
  protected whenQuiet(task: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.quiet = () => task().then(resolve, reject);
      this.pump();
    });
  }

  protected append(line: string, id: string, change: Change): Promise<void> {
    if (this.handle === undefined || this.closed) {
      return Promise.reject(
        connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal is not open', { field: 'reversal.journalDir' }),
      );
    }
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const promise = this.current.push(line, id, change);
    // A full batch starts now if it can; else at the end of the turn, if fewer than `concurrentWrites` are in flight.
    if (this.current.size >= this.batchRecords) this.pump();
    this.schedule();
    return promise;
  }

  /** Makes `pump` run at the end of this turn (once). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.onImmediate);
  }

  /** Runs a compaction or a recovery alone (no write in flight, none started meanwhile), then goes on. */
  private runExclusive(task: () => Promise<void>): void {
    this.exclusive = true;
    void task().finally(() => {
      this.exclusive = false;
      this.pump();
    });
  }

  /** Starts what can start now: a due compaction, or the write of the gathered batch; else tells `close` it is idle. */
  protected pump(): void {
    if (this.exclusive || this.failing || this.barrier) return;
    const inFlight = this.writing.length;
    const quiet = this.quiet;
    if (quiet !== undefined) {
      // A compaction's last step waits for the writes in flight; none starts meanwhile.
      if (inFlight > 0) return;
      this.quiet = undefined;
      this.runExclusive(quiet);
      return;
    }
    if (this.due.isDue && this.mayCompact) {
      this.due.starting();
      this.startCompaction();
    }
    const batch = this.current;
    if (batch.size === 0) {
      if (inFlight === 0 && this.compacting === undefined) for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    if (inFlight >= this.concurrentWrites) return;
    const handle = this.handle;
    if (handle === undefined) return;
    const text = Buffer.from(batch.text);
    const at = this.bytes;
    const end = at + text.length;
    const grows = end > this.allocated;
    if (grows && inFlight === 0 && this.mayCompact && this.dirtyEnd === 0 && this.due.worthOnGrowth(this.live.bytes, this.bytes)) {
      // Out of preallocated room while answered entries dominate: compact (beside the writes), and grow the file a
      // little meanwhile.
      this.startCompaction();
      // It found the journal's files lost and stopped it: the batch was failed with it.
      if (this.current !== batch) return;
    }
    const growBy = this.compacting === undefined ? this.preallocate : Math.min(this.preallocate, GROW_WHILE_COMPACTING);
    const padTo = Math.max(this.dirtyEnd, grows ? end + growBy : end);
    if (padTo > end) {
      // Grows the file or covers a failed batch's bytes: alone, once the writes in flight returned.
      if (inFlight > 0) return;
      this.barrier = true;
    }
    this.current = new Batch();
    batch.start(at, end, padTo);
    this.bytes = end;
    this.writing.push(batch);
    if (this.writing.length > this.figures.maxInFlight) this.figures.maxInFlight = this.writing.length;
    void batch.write(handle, text).then(() => {
      if (batch.state === 'failed') this.failing = true;
      if (padTo > end) this.barrier = false;
      this.settle();
    });
    // More gathered meanwhile and room for another write (a barrier batch blocks it): start it in the next turn.
    if (!this.barrier && this.writing.length < this.concurrentWrites && this.current.size > 0) this.schedule();
  }

  /**
   * Lets the written batches take effect in the order of their offsets. A failed batch holds back every batch after it
   * until all of them settled; then the failure is dealt with (see the module comment).
   */
  private settle(): void {
    let checked = false;
    while (this.writing.length > 0) {
      const head = this.writing[0] as Batch;
      // The batches before it took effect: what they made due (a compaction) starts now, beside the writes in flight.
      if (head.state === 'writing') break;
      if (head.state === 'failed') {
        if (this.writing.some((b) => b.state === 'writing')) return;
        this.runExclusive(() => this.recover());
        return;
      }
      // The batches written went into this journal's file: checked once for all those taking effect now.
      if (!checked) {
        checked = true;
        // Stopped (and `close` may be waiting for the journal to be idle), or waiting for the writes in flight.
        if (this.lostFiles(this.writing)) return this.pump();
      }
      this.writing.shift();
      this.commit(head);
    }
    this.pump();
  }

  /** A written batch takes effect: counted, its changes applied, its appends resolved. */
  private commit(batch: Batch): void {
    countWrite(this.figures, batch);
    this.batchCount += 1;
    this.recordCount += batch.size;
    if (batch.padTo > batch.end) this.allocated = Math.max(this.allocated, batch.padTo);
    // Its records (and blank lines) reached past a failed batch's bytes left unblanked: nothing is left to cover, with
    // or without padding (a batch longer than those bytes pads nothing; kept, they held off the compaction at growth).
    if (batch.padTo >= this.dirtyEnd) this.dirtyEnd = 0;
    const done = batch.commit(this.live, withAttempts);
    this.carried?.push(batch.text);
    this.due.tookEffect(this.bytes, done);
  }

  /**
   * After a failed write, once every write in flight settled (runs alone): whatever the failed batches left in the file
   * is blanked (durably) before anything else is acknowledged, so that a record whose append failed is never read back
   * (a whole `add` of a request that never left, a `done` whose caller saw it fail), not even after a crash before the
   * next write. Then the later batches take effect; when none went through, the next batch goes where the first failed
   * one began. When the blanking fails: with later batches written, the journal stops (they cannot be acknowledged);
   * with none, the next batch is written over the failed bytes (blank lines after its records) before it is
   * acknowledged, and the journal goes on.
   */
  private async recover(): Promise<void> {
    const batches = this.writing;
    this.writing = [];
    const failed = batches.filter((b) => b.state === 'failed');
    const first = failed[0] as Batch;
    const error = journalError('cannot be written', first.error);
    this.logger.error(
      { code: error.code, cause: (first.error as NodeJS.ErrnoException).code, records: failed.reduce((n, b) => n + b.size, 0), batches: failed.length },
      'the reversal journal cannot be written',
    );
    const later = batches.some((b) => b.state === 'written');
    try {
      const handle = this.handle;
      if (handle === undefined) throw new Error('the journal is closed');
      await blankFailed(handle, failed);
    } catch (err) {
      if (!later) {
        // Nothing after the failure went through: the next batch covers the failed bytes, over their whole extent.
        this.logger.error({ code: error.code, cause: (err as NodeJS.ErrnoException).code }, 'the reversal journal cannot blank a failed write');
        for (const b of failed) this.dirtyEnd = Math.max(this.dirtyEnd, b.reached);
        this.retreat(first, batches, error);
        return;
      }
      const stopped = stoppedError('after a write it could not repair', err);
      this.stop(stopped, { reason: 'after a write it could not repair', recordsLost: false }, batches, { cause: (err as NodeJS.ErrnoException).code }, error);
      return;
    }
    if (!later) {
      // Bytes an earlier failed batch left unblanked (from where `first` began: no batch took effect since) were blanked
      // with it: `first` padded over them, and its bytes reached past them. The next batch need not pad over them again.
      if (first.reached >= this.dirtyEnd) this.dirtyEnd = 0;
      return this.retreat(first, batches, error);
    }
    if (this.lostFiles(batches, error)) return;
    for (const b of batches) {
      if (b.state === 'written') this.commit(b);
      else b.fail(error);
    }
    this.failing = false;
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
   * (the batches written, not yet acknowledged) failing with it (a failed one with `failed` when given).
   */
  protected lostFiles(held: Batch[], failed?: Iso8583Error): boolean {
    const why = this.hold?.lost();
    if (why === undefined) return false;
    this.failing = true;
    if (held.some((b) => b.state === 'writing')) return true;
    const halt = { reason: why, recordsLost: this.hold?.fileLost === true };
    this.stop(stoppedError(`because ${why} while open`), halt, held.splice(0), { path: this.path, reason: why }, failed);
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
