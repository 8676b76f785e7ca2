/**
 * The write side of the PostgreSQL transaction log: records wait in a bounded buffer (record-buffer.ts) and go to the
 * database in batches, one COPY each (copy.ts), stored once even when sent again (batch-token.ts). A failed batch is
 * put back and retried with backoff; once the buffer holds `maxBuffered` records the oldest are dropped (behind a
 * batch in doubt, kept whole), counted and reported (`ISO8583_WARN_TRANSACTION_LOG_DROPPED`). A refusal an operator
 * must fix (a privilege the role lacks, a missing table: SQLSTATE class 42; a record no partition takes) is no outage:
 * the records wait the same way, and it is logged at `error`, coded, naming the object or the time, once a minute while
 * it lasts. A batch refused for the data of some of its records is halved until only those are dropped (reported once,
 * with their count, when the batch's records are all stored or dropped; counted one failed batch). `drain` (at close) keeps
 * trying until a deadline and hands back what it could not store: the batch in doubt (with its token) apart from the
 * records never sent, for the log to keep (transaction-spill.ts) or to report.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Backoff } from '../backoff.js';
import { connectorError } from '../errors.js';
import { within } from '../timeouts.js';
import { storedBefore } from './batch-token.js';
import type { BatchTokens, NextBatch } from './batch-token.js';
import { copyFrom } from './copy.js';
import { isDataError, isSetUpError, missingPartition, storeCause, storeReason } from './pool.js';
import { RecordBuffer, settleStored } from './record-buffer.js';
import type { BufferedRecords } from './record-buffer.js';

/** What the writer needs of the log's options. */
export interface WriterOptions {
  pool: pg.Pool;
  tokens: BatchTokens;
  maxBatch: number;
  flushInterval: number;
  maxBuffered: number;
  closeTimeout: number;
  backoff: Backoff;
  logger: Logger;
  /**
   * Told of the batch handed over in doubt by `drain` (see {@link Leftovers}) when it commits after all, with its size:
   * its records are counted stored, and leave the figure that counted them at close.
   */
  storedAfterDrain?: (size: number) => void;
}

/** What `drain` could not store by its deadline. */
export interface Leftovers {
  /** The batch whose fate is unknown (sent, maybe committed: still in flight, or failed in doubt) and its token. */
  doubt?: { token: string; records: BufferedRecords };
  /** The records never sent (or sent and known not committed): surely not stored. */
  rest: BufferedRecords;
}

/** How often (ms) a refusal an operator must fix (a privilege, a missing partition) is logged again while it lasts. */
export const REFUSAL_REPEAT = 60_000;

/** The log codes of a batch not taken: the database away, refusing the role (class 42), or with no partition for a record. */
const UNAVAILABLE = 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE';
const REFUSED = 'ISO8583_WARN_TRANSACTION_LOG_REFUSED';
const NO_PARTITION = 'ISO8583_WARN_TRANSACTION_LOG_NO_PARTITION';

/** The error of records not stored. */
export function notStored(why: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `not stored: ${why}`, { field: 'transactionLog' });
}

/** Batches of records to the database: see the module comment. */
export class TransactionWriter {
  private readonly o: WriterOptions;
  /** When the last batch started (`performance.now()`). */
  private lastFlight = -Infinity;
  private flushTimer: NodeJS.Timeout | undefined;
  readonly buffer = new RecordBuffer();
  private flight: Promise<boolean> | undefined;
  /** The batch in flight and its statement, while one flies. */
  private flying: { batch: BufferedRecords; next: NextBatch } | undefined;
  /** The place of the batch in flight's first record (RecordBuffer.first), while one flies. */
  private flightFirst = 0;
  /** Queries waiting for the records recorded before them: called whenever a flight ends or records are dropped. */
  private progressWaiters: (() => void)[] = [];
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set while batches are not taken: why (its log code) and when that was last logged (`performance.now()`). */
  private down: { code: string; logged: number } | undefined;
  /**
   * While the records of a batch refused for its data are sent again in smaller batches: a level per halving, the
   * innermost last, each up to the place `until` (RecordBuffer.first), at most `limit` records a batch. The outermost
   * is the refused batch's end: the records dropped on the way are reported once it is passed.
   */
  private readonly split: { until: number; limit: number }[] = [];
  /** The last refusal's cause (SQLSTATE) of the records dropped in a split, for its report. */
  private splitCause: string | undefined;
  private droppedUnreported = 0;
  /** Set once `drain` began: no flight starts on its own any more. */
  private closing = false;
  /** Set when `drain` has given up: a batch still in flight then was handed over with the leftovers. */
  private drained = false;
  /** Resolves once {@link hurry} was called: a `drain` under way stops waiting then. */
  private readonly hurried: Promise<void>;
  private markHurried: () => void = () => undefined;
  /** Set by {@link hurry}. */
  private hurrying = false;
  readonly figures = { stored: 0, batches: 0, dropped: 0, failedBatches: 0 };

  constructor(options: WriterOptions) {
    this.o = options;
    this.hurried = new Promise<void>((resolve) => (this.markHurried = resolve));
  }

  /** True once {@link hurry} was called. */
  get hurriedUp(): boolean {
    return this.hurrying;
  }

  /**
   * Ends a `drain` under way (or the next one) at once, as if its deadline had passed: the batch in flight is handed
   * over in doubt and the rest as never sent, without waiting for the database (an abort: the process is about to end).
   */
  hurry(): void {
    this.hurrying = true;
    this.markHurried();
  }

  /** Records in the batch in flight. */
  get inFlight(): number {
    return this.flying?.batch.rows.length ?? 0;
  }

  /** Adds a record (its COPY row); see PgTransactionLog.record. */
  push(row: string): Promise<void> {
    const promise = this.buffer.push(row);
    if (this.buffer.length > this.o.maxBuffered) this.trim();
    this.schedule();
    return promise;
  }

  /**
   * Resolves once every record recorded before the call has left the buffer and its flight has ended (stored, or
   * dropped), or after `closeTimeout`: the records wait for no `flushInterval` while a query waits for them.
   */
  async caughtUp(): Promise<void> {
    const target = this.buffer.next;
    const deadline = performance.now() + this.o.closeTimeout;
    for (;;) {
      const oldest = this.flight === undefined ? this.buffer.first : this.flightFirst;
      const left = deadline - performance.now();
      if (oldest >= target || left <= 0) return;
      if (this.flight === undefined && this.retryTimer === undefined && !this.closing) {
        this.stopFlushTimer();
        void this.fly();
      }
      await within(new Promise<void>((resolve) => this.progressWaiters.push(resolve)), left);
    }
  }

  /** Wakes the queries waiting in {@link TransactionWriter.caughtUp}. */
  private progressed(): void {
    for (const wake of this.progressWaiters.splice(0)) wake();
  }

  /**
   * Stores what is buffered, retrying under the same tokens (with backoff) until `deadline` (`Date.now()` ms); then
   * hands back what is not stored: the batch in doubt (in flight, or failed with its fate unknown) and the rest, whose
   * promises the caller settles. Called once.
   */
  async drain(deadline: number): Promise<Leftovers> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopFlushTimer();
    for (;;) {
      const left = deadline - Date.now();
      if (this.hurrying) break;
      if (this.flight !== undefined) {
        if (!(await within(Promise.race([this.flight, this.hurried]), left))) break;
        continue;
      }
      if (this.buffer.length === 0 || left <= 0) break;
      if (!(await within(Promise.race([this.fly(), this.hurried]), left))) break;
      if (this.down !== undefined && !this.hurrying) await within(this.hurried, Math.min(this.o.backoff.next(), Math.max(0, deadline - Date.now())));
    }
    this.drained = true;
    let doubt: Leftovers['doubt'];
    if (this.flying !== undefined) {
      // Sent, not answered: it may commit yet. Should it, it counts stored (storedAfterDrain), never dropped.
      doubt = { token: this.flying.next.token, records: this.flying.batch };
    } else {
      const held = this.o.tokens.inDoubtAt(this.buffer.first);
      if (held !== undefined) doubt = { token: held.token, records: this.buffer.take(held.size) };
    }
    this.report();
    return { ...(doubt === undefined ? {} : { doubt }), rest: this.buffer.take(Infinity) };
  }

  /**
   * Starts a flight after this tick (so that the tick's records go together), or once `flushInterval` has passed since
   * the last one started, unless one is flying or a retry waits. A full batch waiting for the interval goes at once.
   */
  private schedule(): void {
    if (this.flight !== undefined || this.retryTimer !== undefined || this.closing) return;
    if (this.flushTimer !== undefined) {
      if (this.buffer.length < this.o.maxBatch) return;
      this.stopFlushTimer();
    }
    if (this.scheduled) return;
    const wait = this.buffer.length >= this.o.maxBatch || this.split.length > 0 ? 0 : this.lastFlight + this.o.flushInterval - performance.now();
    if (wait > 0) {
      // Records wait on this timer: it holds the process (at most flushInterval) as a write in progress would, so that
      // `await log.record(r)` is kept; unref'd, a process with nothing else to do ended with the record never stored.
      this.flushTimer = setTimeout(this.flushNow, Math.ceil(wait));
    } else {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Starts the flight that was scheduled (by the timer, the next turn, or the process about to end). */
  private readonly flushNow = (): void => {
    this.scheduled = false;
    this.stopFlushTimer();
    if (this.flight === undefined && this.retryTimer === undefined && !this.closing && this.buffer.length > 0) void this.fly();
  };

  private stopFlushTimer(): void {
    if (this.flushTimer === undefined) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Sends the oldest `maxBatch` records in one COPY; resolves true when the next batch may go at once (this one stored, or refused for its data: dropped, or put back to go in halves). */
  private fly(): Promise<boolean> {
    const { tokens, logger, backoff } = this.o;
    // A piece of a refused batch: its refusal is the batch's, counted once (in failedBatches) when the batch was.
    const piece = this.splitting();
    const level = this.split.at(-1);
    const max = level === undefined ? this.o.maxBatch : Math.min(level.limit, level.until - this.buffer.first);
    const next = tokens.next(this.buffer.first, this.buffer.length, max);
    const batch = this.buffer.take(next.take);
    const size = batch.rows.length;
    this.lastFlight = performance.now();
    this.flying = { batch, next };
    this.flightFirst = batch.first ?? 0;
    const flight = this.insert(batch, next).then(
      (err?: unknown) => {
        // Cleared here, in the turn the outcome is known (not a turn later): `drain` hands over only a batch still unanswered.
        if (!this.drained) this.flying = undefined;
        tokens.stored(next, err);
        this.figures.stored += size;
        this.figures.batches += 1;
        settleStored(batch);
        this.splitting();
        // Only the batch `drain` handed over can end after it gave up (no flight starts once it began).
        if (this.drained) this.o.storedAfterDrain?.(size);
        if (this.down !== undefined) {
          logger.info({ code: this.down.code, stored: size, buffered: this.buffer.length }, 'the transaction log database takes batches again');
          this.down = undefined;
        }
        backoff.reset();
        return true;
      },
      async (err: unknown) => {
        if (!piece || !isDataError(err)) this.figures.failedBatches += 1;
        tokens.failed(next, this.flightFirst, size, err, await tokens.unblock(this.o.pool, next, err));
        // Handed over at close (drain): the log kept or reported it; its failure now says nothing more.
        if (this.drained) return false;
        // Not in flight any more, in this turn: a `drain` resuming now finds the batch back in the buffer (in doubt
        // there under its token), never both handed over and put back (kept twice: stored twice by the next start).
        this.flying = undefined;
        if (isDataError(err)) {
          if (size > 1) {
            // Refused for the data of one record or a few: sent again in halves (at once, under new tokens: nothing
            // of it committed), and again, until only the records refused are dropped; the others are stored.
            this.buffer.putBack(batch);
            this.split.push({ until: this.buffer.first + size, limit: Math.ceil(size / 2) });
            return true;
          }
          // A record the database refuses for its data would be refused forever: it is dropped, not retried; reported
          // at once, or with the others of its batch once the batch's records are all stored or dropped.
          this.drop(batch, `the database refused the record (${storeCause(err)})`);
          this.splitCause = storeCause(err);
          this.splitting();
          return true;
        }
        this.buffer.putBack(batch);
        this.trim();
        this.notTaken(err);
        this.report();
        return false;
      },
    );
    this.flight = flight;
    void flight.then((ok) => {
      this.flight = undefined;
      this.flying = undefined;
      this.progressed();
      if (this.closing) return;
      if (ok) {
        if (this.buffer.length > 0) this.schedule();
      } else {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (!this.closing && this.buffer.length > 0) void this.fly();
        }, backoff.next());
      }
    });
    return flight;
  }

  /**
   * Ends the levels of a split whose records are all stored or dropped: true while one remains. When none does, the
   * records it dropped (refused for their data) are reported, once, with their count.
   */
  private splitting(): boolean {
    while (this.split.length > 0 && this.buffer.first >= (this.split.at(-1) as { until: number }).until) this.split.pop();
    if (this.split.length > 0) return true;
    if (this.splitCause !== undefined) {
      const cause = this.splitCause;
      this.splitCause = undefined;
      this.report(cause);
    }
    return false;
  }

  /**
   * Logs a batch not taken: the database away (warn, once until a batch is taken again), or a refusal an operator must
   * fix (error, naming the privilege or table the server names, or the time no partition takes; again every
   * {@link REFUSAL_REPEAT} ms while it lasts, and whenever the cause changes). The records wait in either case.
   */
  private notTaken(err: unknown): void {
    const partition = missingPartition(err);
    const code = partition !== false ? NO_PARTITION : isSetUpError(err) ? REFUSED : UNAVAILABLE;
    const now = performance.now();
    if (this.down?.code === code && (code === UNAVAILABLE || now - this.down.logged < REFUSAL_REPEAT)) return;
    this.down = { code, logged: now };
    const cause = storeCause(err);
    const buffered = this.buffer.length;
    const failedBatches = this.figures.failedBatches;
    if (code === UNAVAILABLE) {
      this.o.logger.warn({ code, cause, buffered }, 'the transaction log database did not take a batch: records wait in memory');
    } else if (code === REFUSED) {
      this.o.logger.error(
        { code, cause, reason: storeReason(err), buffered, failedBatches, maxBuffered: this.o.maxBuffered },
        'the transaction log database refused a batch for its set-up (a privilege, a table): no record is stored until it is fixed; records wait in memory, the oldest dropped past maxBuffered',
      );
    } else {
      this.o.logger.error(
        { code, cause, at: partition === false ? undefined : partition.at, buffered, failedBatches, maxBuffered: this.o.maxBuffered },
        'no partition of the transaction log table takes a record of this time: create it (partitions must exist ahead of time); records wait in memory, the oldest dropped past maxBuffered',
      );
    }
  }

  /** Stores `batch` under its token; resolves with the refusal that says an earlier try of it committed (else nothing). */
  private async insert(batch: BufferedRecords, next: NextBatch): Promise<unknown> {
    try {
      await copyFrom(this.o.pool, next.sql, Buffer.from(batch.rows.join(''), 'utf8'));
      return undefined;
    } catch (err) {
      if (storedBefore(err)) return err;
      throw err;
    }
  }

  /** Drops the oldest records beyond `maxBuffered`, behind a batch in doubt (kept whole: it goes again under its token). */
  private trim(): void {
    this.dropOldest(this.buffer.length - this.o.maxBuffered, 'the transaction log buffer is full while its database is away', this.o.tokens.heldAt(this.buffer.first));
  }

  /** Drops the oldest `count` records waiting (every one with `Infinity`) after the first `skip`, counted record by record. */
  private dropOldest(count: number, why: string, skip = 0): void {
    const n = this.buffer.dropOldest(count, notStored(why), skip);
    if (skip > 0) this.o.tokens.moved(n);
    this.count(n);
    this.progressed();
  }

  /** Drops records taken from the buffer (a batch, or what close could not store), counted and reported by the next {@link report}. */
  drop(records: BufferedRecords, why: string): void {
    this.buffer.reject(records, notStored(why));
    this.count(records.rows.length);
  }

  private count(dropped: number): void {
    this.figures.dropped += dropped;
    this.droppedUnreported += dropped;
  }

  /** Logs the records dropped since the last report (at most once per failed batch, and at close). */
  report(cause?: string): void {
    if (this.droppedUnreported === 0) return;
    this.o.logger.warn(
      { code: 'ISO8583_WARN_TRANSACTION_LOG_DROPPED', dropped: this.droppedUnreported, droppedTotal: this.figures.dropped, maxBuffered: this.o.maxBuffered, cause },
      'transaction log records dropped',
    );
    this.droppedUnreported = 0;
  }
}
