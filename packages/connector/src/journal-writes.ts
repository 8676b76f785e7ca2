/**
 * The group commit of the file journal (journal.ts), the base class of `FileJournal`: the writes, on the recovery from
 * a failed one and the stop (journal-recovery.ts), with which they share one set of offsets and batch states (`bytes`,
 * `dirtyEnd`, `writing`).
 * - records appended in one turn of the event loop go out in one batch, one write (journal-batch.ts), through an
 *   `O_DSYNC` handle where the platform has it (durable when the write returns; elsewhere write + `fdatasync`); a
 *   batch that reaches `batchRecords` (if set lower) starts at once, so that callers released together split up;
 * - up to `concurrentWrites` batch writes are in flight, each at the offset assigned when it starts; batches take
 *   effect and resolve in offset order, each only once its own write returned. A `done`/`attempt` is appended only
 *   after its `add` resolved, so it lands in a later batch: no record on disk refers to an `add` that is not durable;
 * - a failed batch is refused and nothing starts until the writes in flight settled; then it is dealt with (its bytes
 *   blanked, or the journal stopped: journal-recovery.ts, the base class). A batch that grows the file goes alone;
 * - before written batches take effect (once per pass, not per record), the file's name and the lock's must still name
 *   this journal's files (journal-hold.ts): when the folder was removed or a file renamed or replaced, the journal stops.
 * A compaction (the subclass's `compact`) starts when due, as soon as the batch that made it due took effect (later
 * ones may be in flight), and runs beside the writes: the batches that take effect meanwhile are kept (`carried`) for
 * it to copy into the new file; its last step runs alone (`whenQuiet`: no write in flight, none started), and `close`
 * waits for it; while it runs, a batch past the end of the file grows it by at most {@link GROW_WHILE_COMPACTING} (the
 * file is about to be replaced). When one is due, and the retry of one that failed: journal-compaction-due.ts.
 */
import { Batch, countWrite } from './journal-batch.js';
import type { Change, JournalWriteStats } from './journal-batch.js';
import { CompactionDue } from './journal-compaction-due.js';
import { connectorError } from './errors.js';
import { LiveLines } from './journal-live.js';
import type { ResolvedJournalOptions } from './journal-options.js';
import { withAttempts } from './journal-record.js';
import { JournalRecovery } from './journal-recovery.js';

/** How far (bytes) a batch past the end of the file grows it while a compaction runs (at most `preallocate`): 256 KiB. */
export const GROW_WHILE_COMPACTING = 256 * 1024;

/**
 * The group commit of `FileJournal`: appends gathered into batches, written at their offsets, taking effect in order;
 * the recovery from a failed write and the stop. `FileJournal` opens the file, compacts it and closes it.
 */
export abstract class JournalWrites extends JournalRecovery {
  /** The file size (bytes) past which it is compacted while running (once twice the live text: FileJournalOptions). */
  readonly compactAt: number;
  /** How far (bytes) the file is preallocated ahead of its records. */
  readonly preallocate: number;
  /** How many batch writes may be in flight at once (1 where the file is not opened with `O_DSYNC`). */
  readonly concurrentWrites: number;
  /** The records at which a batch closes and its write starts without waiting for the end of the turn. */
  readonly batchRecords: number;
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
  protected closed = false;
  /** When the next compaction is due (journal-compaction-due.ts). */
  protected readonly due: CompactionDue;
  protected idleWaiters: (() => void)[] = [];
  protected batchCount = 0;
  protected recordCount = 0;
  protected readonly figures: JournalWriteStats = { writes: 0, totalMs: 0, maxMs: 0, maxInFlight: 0 };
  /** The file size: records, then preallocated blank lines. */
  protected allocated = 0;
  /** The durable state: entries added and not done, each as its `add` line (what compaction writes). */
  protected readonly live = new LiveLines();
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.pump();
  };

  protected constructor(path: string, o: ResolvedJournalOptions) {
    super(path, o.logger);
    this.compactAt = o.compactAt;
    this.preallocate = o.preallocate;
    this.concurrentWrites = o.concurrentWrites;
    this.batchRecords = o.batchRecords;
    this.due = new CompactionDue(o.compactAt, o.compactInterval, () => this.pump());
  }

  /**
   * A compaction while running, started by `pump` when due; runs beside the writes (see the module comment). Resolves
   * `true` once the new file is the journal, `false` when it failed or was given up (logged); never rejects.
   */
  protected abstract compact(): Promise<boolean>;

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
    // A batch that fills the file to its last byte grows it too: a journal file always ends with a blank line, so one
    // that ends right after a record was cut short (journal-read.ts).
    const grows = end >= this.allocated;
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
        // Files lost with a failed batch behind it: once every write settled, its bytes are dealt with first (`recover`:
        // with only the lock removed, they are in the file the next start reads), then the journal stops.
        if (this.writing.some((b) => b.state === 'failed') && this.hold?.lost() !== undefined) {
          if (this.writing.every((b) => b.state !== 'writing')) this.runExclusive(() => this.recover());
          return;
        }
        // Stopped (and `close` may be waiting for the journal to be idle), or waiting for the writes in flight.
        if (this.lostFiles(this.writing)) return this.pump();
      }
      this.writing.shift();
      this.commit(head);
    }
    this.pump();
  }

  /** A written batch takes effect: counted, its changes applied, its appends resolved. */
  protected commit(batch: Batch): void {
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
}
