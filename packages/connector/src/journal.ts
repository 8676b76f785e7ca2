/**
 * The embedded file store of the SAF queue (saf-store.ts): an `add` is durable before its request leaves, a `done`
 * before its caller sees the response, so a crash neither loses a reversal nor reverses what a caller saw approved. An
 * append-only file of JSON lines (`reversals.jsonl`, preallocated with blank lines) with group commit:
 * - records appended in one turn of the event loop go out in one batch, one write (journal-batch.ts), through an
 *   `O_DSYNC` handle where the platform has it (durable when the write returns; elsewhere write + `fdatasync`); a
 *   batch that reaches `batchRecords` (if set lower) starts at once, so that callers released together split up;
 * - up to `concurrentWrites` batch writes are in flight, each at the offset assigned when it starts; batches take
 *   effect and resolve in offset order, each only once its own write returned. A `done`/`attempt` is appended only
 *   after its `add` resolved, so it lands in a later batch: no record on disk refers to an `add` that is not durable;
 * - a failed batch is refused and nothing starts until the writes in flight settled; then the next batch covers its
 *   bytes (nothing after it went through), or its bytes are blanked before the later batches are acknowledged; when
 *   that fails the journal stops (every append refused until reopened). A batch that grows the file goes alone.
 * Compaction (journal-compaction.ts), once no write is in flight: when opened; when the records would outgrow the
 * preallocated part and answered ones dominate; past `compactAt`; every `compactInterval` ms after a `done`. The
 * folder is locked by its opener (`reversals.lock`). Before written batches take effect (once per pass, not per record)
 * and before a compaction, the file's name and the lock's must still name this journal's files (journal-hold.ts):
 * when the folder was removed or a file renamed or replaced, the journal stops. See docs/connector.md. Apart: the options, the lines, a batch and
 * its write, reading a file back, the spare file, the lock and file identity (journal-options, -record, -batch, -read,
 * -spare, -hold.ts). Longer than 400 lines because the group commit, the recovery from a failed write and the stop
 * share one set of offsets and batch states (`bytes`, `dirtyEnd`, `writing`): split, each half would reach into the other's.
 */
import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { Batch, blankFailed, countWrite } from './journal-batch.js';
import type { Change, JournalWriteStats } from './journal-batch.js';
import { compactInto, compactedText } from './journal-compaction.js';
import { connectorError } from './errors.js';
import { JournalHold, journalError, journalOpenError, stoppedError } from './journal-hold.js';
import { resolveJournalOptions } from './journal-options.js';
import type { FileJournalOptions } from './journal-options.js';
import { SpareFile } from './journal-spare.js';
import { loadJournal } from './journal-read.js';
import { addJsonLine, addLine, attemptLine, doneLine, flat, withAttempts } from './journal-record.js';
import type { JournalEntry, JournalHalt, JournalOutcome, ReversalJournal } from './saf-store.js';

export type { JournalWriteStats } from './journal-batch.js';
export type { FileJournalOptions } from './journal-options.js';
export type { JournalEntry, JournalHalt, JournalOutcome, ReversalJournal, SafEntry, SafEntryKind, SafStore } from './saf-store.js';

/** The journal file's name in its folder. */
export const JOURNAL_FILE = 'reversals.jsonl';

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
  /** How many batch writes may be in flight at once (1 where the file is not opened with `O_DSYNC`). */
  readonly concurrentWrites: number;
  /** The records at which a batch closes and its write starts without waiting for the end of the turn. */
  readonly batchRecords: number;
  private readonly logger: Logger;
  private handle: FileHandle | undefined;
  /** The folder's lock and the identity of the file `handle` writes to. */
  private hold: JournalHold | undefined;
  /** The batch gathering appends. */
  private current = new Batch();
  /** Batches whose write started and that have not taken effect yet, in the order of their offsets. */
  private writing: Batch[] = [];
  private scheduled = false;
  /** A compaction or the recovery from a failed write runs: no write starts. */
  private exclusive = false;
  /** A batch that grows the file (or covers a failed batch's bytes) is in flight: no other write starts. */
  private barrier = false;
  /** A write failed: no write starts until the writes in flight settled and the failure was dealt with. */
  private failing = false;
  /** Set when the journal stopped after a failure it could not repair: every append fails with it. */
  private stopped: Iso8583Error | undefined;
  /** Why it stopped, with `stopped`. */
  private halt: JournalHalt | undefined;
  private closed = false;
  private compactDue = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private batchCount = 0;
  private recordCount = 0;
  private compactions = 0;
  private doneSinceCompaction = 0;
  private readonly figures: JournalWriteStats = { writes: 0, totalMs: 0, maxMs: 0, maxInFlight: 0 };
  /** Where the next batch goes (the end of the records, and of the batches in flight). */
  private bytes = 0;
  /** The file size: records, then preallocated blank lines. */
  private allocated = 0;
  /** The end of the bytes a failed batch may have left past `bytes` (overwritten by the next batch). */
  private dirtyEnd = 0;
  /** The durable state: entries added and not done, each as its `add` line (what compaction writes). */
  private readonly live = new Map<string, string>();
  /** The next file, made ahead for the next compaction. */
  private readonly spare: SpareFile;
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.pump();
  };

  constructor(
    readonly dir: string,
    options: FileJournalOptions = {},
  ) {
    super();
    this.path = join(dir, JOURNAL_FILE);
    const o = resolveJournalOptions(options);
    this.compactAt = o.compactAt;
    this.preallocate = o.preallocate;
    this.compactInterval = o.compactInterval;
    this.concurrentWrites = o.concurrentWrites;
    this.batchRecords = o.batchRecords;
    this.logger = o.logger;
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

  /** How long the batch writes took and how many were in flight at once (a copy). */
  get writeStats(): JournalWriteStats {
    return { ...this.figures };
  }

  async open(): Promise<JournalEntry[]> {
    try {
      // Makes the folder if missing (its parent fsynced: folder-lock.ts) and takes its lock.
      this.hold = await JournalHold.take(this.dir, this.path, this.logger);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED') throw err;
      throw journalOpenError(this.dir, err);
    }
    try {
      const live = await loadJournal(this.path, this.logger);
      for (const [id, entry] of live) this.live.set(id, addLine(entry));
      await this.rewrite();
      if (this.compactInterval > 0) {
        this.timer = setInterval(() => this.compactIfDone(), this.compactInterval);
        this.timer.unref();
      }
      return [...live.values()].map((e) => ({ ...e }));
    } catch (err) {
      await this.release();
      throw journalOpenError(this.dir, err);
    }
  }

  add(entry: JournalEntry): Promise<void> {
    // The line is the entry from now on (a later change to the caller's object changes nothing here).
    const line = flat(addLine(entry));
    return this.append(line, entry.id, line);
  }

  /** `add` of a reversal given as its JSON text (see `ReversalJournal.addJson`): the same line, no message object. */
  addJson(id: string, reversalJson: string, at: number): Promise<void> {
    // The caller keeps the text until the original's outcome is known: made flat here, in place, it is kept as one
    // string of about 300 bytes, not as the tree of its pieces (about 1.8 KB a purchase) that every scavenge copies.
    const line = flat(addJsonLine(id, flat(reversalJson), at));
    return this.append(line, id, line);
  }

  attempt(id: string, attempt: number): Promise<void> {
    return this.append(attemptLine(id, attempt), id, attempt);
  }

  done(id: string, outcome: JournalOutcome): Promise<void> {
    return this.append(doneLine(id, outcome, Date.now()), id, undefined);
  }

  /** Why the journal stopped for good (see `ReversalJournal.halted`), or once closed why its files were lost while idle; `undefined` while it runs or after a failed write it recovered from. */
  halted(): JournalHalt | undefined {
    return this.halt === undefined ? undefined : { ...this.halt };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.compactDue = false;
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.pump();
    });
    await this.handle?.close();
    this.handle = undefined;
    // Its files lost while idle (nothing written since): what the connector's figures tell after the close.
    const why = this.hold?.lost();
    if (why !== undefined) this.halt ??= { reason: why, recordsLost: this.hold?.fileLost === true };
    // A spare file in a folder that is no longer this journal's is another journal's.
    await this.spare.discard(why === undefined);
    await this.release();
  }

  private async release(): Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    await hold?.release();
  }

  /**
   * Compaction (journal-compaction.ts), then the journal goes on in the new file at the end of its records, and the
   * next spare file is made in the background. Runs only while no write is in flight.
   */
  private async rewrite(): Promise<void> {
    const text = compactedText(this.live);
    const next = await compactInto(this.path, text, this.spare, this.preallocate);
    await this.handle?.close();
    this.handle = next.handle;
    await this.hold?.track(next.handle);
    this.bytes = next.bytes;
    this.allocated = next.allocated;
    this.dirtyEnd = 0;
    this.doneSinceCompaction = 0;
    this.compactions += 1;
    if (!this.closed) this.spare.prepare();
    if (this.listenerCount('compact') > 0) this.emit('compact', { live: this.live.size, bytes: next.bytes, spare: next.spare });
  }

  /** A compaction while running: a failure is logged (the journal goes on in the file it has). */
  private async compact(): Promise<void> {
    // Never into a folder that is no longer this journal's (another process may own it by now).
    if (this.lostFiles(this.writing)) return;
    await this.rewrite().catch((err: NodeJS.ErrnoException) =>
      this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_JOURNAL', cause: err.code }, 'the reversal journal cannot be compacted'),
    );
  }

  private compactIfDone(): void {
    // During a compaction or a recovery no record takes effect: nothing new to compact away.
    if (this.closed || this.doneSinceCompaction === 0 || this.exclusive) return;
    this.compactDue = true;
    this.pump();
  }

  private append(line: string, id: string, change: Change): Promise<void> {
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
  private pump(): void {
    if (this.exclusive || this.failing || this.barrier) return;
    const inFlight = this.writing.length;
    if (inFlight === 0 && this.compactDue && this.handle !== undefined) {
      this.compactDue = false;
      this.runExclusive(() => this.compact());
      return;
    }
    const batch = this.current;
    if (batch.size === 0) {
      if (inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    if (inFlight >= this.concurrentWrites) return;
    const handle = this.handle;
    if (handle === undefined) return;
    const text = Buffer.from(batch.text);
    const at = this.bytes;
    const end = at + text.length;
    const grows = end > this.allocated;
    const padTo = Math.max(this.dirtyEnd, grows ? end + this.preallocate : end);
    if (padTo > end) {
      // Grows the file or covers a failed batch's bytes: alone, once the writes in flight returned.
      if (inFlight > 0) return;
      // Out of preallocated room while answered entries dominate: compact instead of growing the file.
      if (grows && this.dirtyEnd === 0 && compactedText(this.live).length * 2 < this.bytes) {
        this.runExclusive(() => this.compact());
        return;
      }
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
      if (head.state === 'writing') return;
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
    if (batch.padTo > batch.end) {
      this.allocated = Math.max(this.allocated, batch.padTo);
      if (batch.padTo >= this.dirtyEnd) this.dirtyEnd = 0;
    }
    this.doneSinceCompaction += batch.commit(this.live, withAttempts);
    if (this.bytes > this.compactAt) this.compactDue = true;
  }

  /** After a failed write, once every write in flight settled (runs alone). */
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
    if (!batches.some((b) => b.state === 'written')) {
      // Nothing after the failure went through: the next batch goes where the first failed one began, over their bytes.
      this.bytes = first.at;
      for (const b of failed) this.dirtyEnd = Math.max(this.dirtyEnd, b.reached);
      for (const b of failed) b.fail(error);
      this.failing = false;
      return;
    }
    // Later batches went through: blank the failed regions before any of them is acknowledged.
    try {
      const handle = this.handle;
      if (handle === undefined) throw new Error('the journal is closed');
      await blankFailed(handle, failed);
    } catch (err) {
      const stopped = stoppedError('after a write it could not repair', err);
      this.stop(stopped, { reason: 'after a write it could not repair', recordsLost: false }, batches, { cause: (err as NodeJS.ErrnoException).code }, error);
      return;
    }
    if (this.lostFiles(batches, error)) return;
    for (const b of batches) {
      if (b.state === 'written') this.commit(b);
      else b.fail(error);
    }
    this.failing = false;
  }

  /**
   * True when the journal's file or its lock is no longer its own (removed with the folder, renamed, replaced): records
   * written since went into a file no later start reads. The journal then stops once no write is in flight, `held`
   * (the batches written, not yet acknowledged) failing with it (a failed one with `failed` when given).
   */
  private lostFiles(held: Batch[], failed?: Iso8583Error): boolean {
    const why = this.hold?.lost();
    if (why === undefined) return false;
    this.failing = true;
    if (held.some((b) => b.state === 'writing')) return true;
    const halt = { reason: why, recordsLost: this.hold?.fileLost === true };
    this.stop(stoppedError(`because ${why} while open`), halt, held.splice(0), { path: this.path, reason: why }, failed);
    return true;
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
