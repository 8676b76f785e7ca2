/**
 * The transaction log on PostgreSQL: every gateway node on one database writes its records to one table
 * (`iso8583_transactions`, see schema-transactions.ts), so a query on any node answers for all of them.
 *
 * Writes are batched: the records recorded in the same tick, or while an insert is in flight, go to the database
 * together in one COPY (one statement, its rows as COPY text; see copy.ts; stored once even when sent again: see
 * batch-token.ts). The log never holds up a request: when the database is away, records wait in a bounded buffer and
 * the batch is retried with backoff; once the buffer holds `maxBuffered` records the oldest are dropped (behind a batch
 * in doubt, kept whole), counted and reported (`ISO8583_WARN_TRANSACTION_LOG_DROPPED`). Every record goes through the
 * allow-list of transaction-allow-list.ts first: nothing but the keys of a TransactionRecord, the PAN masked, ever
 * reaches the database.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import { connectorError } from '../errors.js';
import type { TransactionLog, TransactionPage, TransactionQuery, TransactionRecord } from '../transaction-log.js';
import { checkTransactionQuery } from '../transaction-query.js';
import { BATCH_TOKENS, BatchTokens, lockWait, storedBefore } from './batch-token.js';
import type { NextBatch } from './batch-token.js';
import { copyFrom } from './copy.js';
import { migrate } from './migrations.js';
import { isDataError, makePgPool, storeCause, storeError } from './pool.js';
import { RecordBuffer, settleStored } from './record-buffer.js';
import { resolvePgTransactionLogOptions } from './transaction-log-options.js';
import type { PgTransactionLogOptions, PgTransactionLogStats } from './transaction-log-options.js';
import type { BufferedRecords } from './record-buffer.js';
import { TRANSACTION_COPY, TRANSACTION_PRUNE, copyLine, rowCursor, storedRecord, transactionQuerySql } from './transaction-sql.js';
import { toPage } from '../transaction-cursor.js';
import type { StoredRow } from './transaction-sql.js';

export { transactionQuerySql };
export { MAX_TRANSACTION_BATCH } from './transaction-log-options.js';
export type { PgTransactionLogOptions, PgTransactionLogStats } from './transaction-log-options.js';

/** A rejected promise, marked handled (the connector does not wait for `record`). */
function refused(err: unknown): Promise<never> {
  const promise = Promise.reject(err as Error);
  promise.catch(() => undefined);
  return promise;
}

/** The transaction log on PostgreSQL. */
export class PgTransactionLog implements TransactionLog {
  private readonly pool: pg.Pool;
  private readonly ownPool: boolean;
  private readonly node: string | undefined;
  private readonly synchronousCommit: boolean;
  private readonly maxBatch: number;
  private readonly flushInterval: number;
  /** When the last batch started (`performance.now()`). */
  private lastFlight = -Infinity;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly maxBuffered: number;
  private readonly closeTimeout: number;
  private readonly pruneChunk: number;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly buffer = new RecordBuffer();
  /** Each batch's token, so that a batch sent again after its answer was lost is stored once (batch-token.ts). */
  private readonly tokens: BatchTokens;
  private flight: Promise<boolean> | undefined;
  private flightSize = 0;
  /** The place of the batch in flight's first record (RecordBuffer.first), while one flies. */
  private flightFirst = 0;
  /** Queries waiting for the records recorded before them: called whenever a flight ends or records are dropped. */
  private progressWaiters: (() => void)[] = [];
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private down = false;
  private droppedUnreported = 0;
  private closing: Promise<void> | undefined;
  /** Set when `close()` has given up: a batch still in flight then is dropped if it fails, never buffered again. */
  private drained = false;
  private readonly figures = { stored: 0, batches: 0, dropped: 0, failedBatches: 0 };

  constructor(options: PgTransactionLogOptions) {
    const o = resolvePgTransactionLogOptions(options);
    this.maxBatch = o.maxBatch;
    this.flushInterval = o.flushInterval;
    this.maxBuffered = o.maxBuffered;
    this.closeTimeout = o.closeTimeout;
    this.pruneChunk = o.pruneChunk;
    this.backoff = new Backoff(o.retryDelay, o.maxRetryDelay);
    this.node = o.node;
    this.synchronousCommit = o.synchronousCommit;
    this.logger = o.logger;
    this.ownPool = options.pool === undefined;
    const commit = this.synchronousCommit ? {} : { serverOptions: '-c synchronous_commit=off' };
    // The store's pool (pool.ts): a statement timeout and TCP keep-alive, so that a connection gone silent fails its
    // batch (retried on a new connection) instead of holding it forever. allowExitOnIdle: idle connections do not
    // hold the process (a process done with the log ends on its own); a connection in use, a batch in flight, does.
    this.pool =
      options.pool ??
      makePgPool(options.connectionString as string, { max: 4, statementTimeout: o.statementTimeout, allowExitOnIdle: true, logger: this.logger, ...commit });
    this.tokens = new BatchTokens(TRANSACTION_COPY, lockWait(this.pool, o.statementTimeout));
  }

  /** The default node name: the host name and the process id. */
  static defaultNode(): string {
    return `${hostname()}:${process.pid}`;
  }

  /** Creates or migrates the schema. Throws `ISO8583_ERR_CONNECTOR_STORE` when the database cannot be reached. */
  async open(): Promise<void> {
    try {
      await migrate(this.pool);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_STORE') throw err;
      throw storeError("the transaction log's database cannot be opened", err);
    }
  }

  /**
   * Records a transaction. The records recorded together (until the next batch leaves) share one promise: it resolves
   * once all of them are stored, and rejects with `ISO8583_ERR_CONNECTOR_STORE` when one of them was not (dropped, or
   * refused by the database). A record is refused at once with `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the
   * key (invalid: nothing stored), `ISO8583_ERR_CONNECTOR_CLOSED` after `close()`. Promises are marked handled.
   */
  record(record: TransactionRecord): Promise<void> {
    if (this.closing !== undefined) return refused(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the transaction log is closed'));
    let row: string;
    try {
      row = copyLine(record, this.node);
    } catch (err) {
      return refused(err);
    }
    const promise = this.buffer.push(row);
    if (this.buffer.length > this.maxBuffered) this.trim();
    this.schedule();
    return promise;
  }

  /**
   * Records matching `query`, newest first (`at`, then the order they were stored). Parameterised SQL only. Every
   * record given to `record` before the call is stored (or dropped) first: what waits in the buffer goes at once, the
   * batch in flight is waited for, for at most `closeTimeout` (with the database away, the query then answers with what
   * is stored, if it can reach it at all).
   */
  async query(query: TransactionQuery = {}): Promise<TransactionPage> {
    const checked = checkTransactionQuery(query);
    const { text, values } = transactionQuerySql(checked);
    await this.caughtUp();
    const result = await this.run<StoredRow>(text, values, 'query');
    const rows = result.rows;
    return toPage(rows.map(storedRecord), checked.limit, () => rowCursor(rows[rows.length - 1] as StoredRow));
  }

  /** Removes the records (and batch tokens) older than `before` (ms since the epoch), `pruneChunk` rows per statement; resolves with how many records. */
  async prune(before: number): Promise<number> {
    if (typeof before !== 'number' || !Number.isFinite(before)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'must be a time in milliseconds', { field: 'before' });
    }
    // Clamped to what a timestamptz parses from an ISO string: nothing is older than 1970 here, nothing newer than 9999.
    const cutoff = new Date(Math.max(0, Math.min(Date.UTC(9999, 11, 31, 23, 59, 59, 999), before))).toISOString();
    let removed = 0;
    for (;;) {
      // The oldest rows first, found and deleted by the primary key (at, seq): see TRANSACTION_PRUNE.
      const result = await this.run(TRANSACTION_PRUNE, [cutoff, this.pruneChunk], 'prune');
      removed += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) >= this.pruneChunk) continue;
      // The tokens of batches (batch-token.ts) a node left behind when it stopped or died.
      await this.run(`DELETE FROM ${BATCH_TOKENS} WHERE at < $1::timestamptz`, [cutoff], 'prune');
      return removed;
    }
  }

  /**
   * Resolves once every record recorded before the call has left the buffer and its flight has ended (stored, or
   * dropped), or after `closeTimeout`: the records wait for no `flushInterval` while a query waits for them.
   */
  private async caughtUp(): Promise<void> {
    const target = this.buffer.next;
    const deadline = performance.now() + this.closeTimeout;
    for (;;) {
      const oldest = this.flight === undefined ? this.buffer.first : this.flightFirst;
      const left = deadline - performance.now();
      if (oldest >= target || left <= 0) return;
      if (this.flight === undefined && this.retryTimer === undefined && this.closing === undefined) {
        this.stopFlushTimer();
        void this.fly();
      }
      await within(new Promise<void>((resolve) => this.progressWaiters.push(resolve)), left);
    }
  }

  /** Wakes the queries waiting in {@link PgTransactionLog.caughtUp}. */
  private progressed(): void {
    for (const wake of this.progressWaiters.splice(0)) wake();
  }

  /** What is buffered, in flight, stored and dropped. */
  stats(): PgTransactionLogStats {
    return { buffered: this.buffer.length, inFlight: this.flightSize, ...this.figures };
  }

  /**
   * Stores what is buffered (trying for up to `closeTimeout` when the database is away; what is left then is dropped
   * and reported), then ends the pool it opened. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopFlushTimer();
    const deadline = Date.now() + this.closeTimeout;
    for (;;) {
      const left = deadline - Date.now();
      if (this.flight !== undefined) {
        if (!(await within(this.flight, left))) break;
        continue;
      }
      if (this.buffer.length === 0 || left <= 0) break;
      if (!(await within(this.fly(), left))) break;
      if (this.down) await new Promise((resolve) => setTimeout(resolve, Math.min(this.backoff.next(), left)));
    }
    this.drained = true;
    if (this.flight !== undefined) {
      this.logger.warn(
        { code: 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE', inFlight: this.flightSize, closeTimeout: this.closeTimeout },
        'the transaction log closes with a batch the database has not answered: it is dropped unless the database takes it',
      );
    }
    this.dropOldest(Infinity, 'the transaction log closed before the database took them');
    this.report();
    // pg-pool's end() waits for every client to come back: a batch the database still holds must not hold the stop
    // (what is left of closeTimeout, at least a second for the idle clients to close).
    if (this.ownPool) await within(this.pool.end().catch(() => undefined), Math.max(1_000, deadline - Date.now()));
  }

  /**
   * Starts a flight after this tick (so that the tick's records go together), or once `flushInterval` has passed since
   * the last one started, unless one is flying or a retry waits. A full batch waiting for the interval goes at once.
   */
  private schedule(): void {
    if (this.flight !== undefined || this.retryTimer !== undefined || this.closing !== undefined) return;
    if (this.flushTimer !== undefined) {
      if (this.buffer.length < this.maxBatch) return;
      this.stopFlushTimer();
    }
    if (this.scheduled) return;
    const wait = this.buffer.length >= this.maxBatch ? 0 : this.lastFlight + this.flushInterval - performance.now();
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
    if (this.flight === undefined && this.retryTimer === undefined && this.closing === undefined && this.buffer.length > 0) void this.fly();
  };

  private stopFlushTimer(): void {
    if (this.flushTimer === undefined) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Sends the oldest `maxBatch` records in one COPY; resolves true when the next batch may go at once (this one stored, or refused for its data and dropped). */
  private fly(): Promise<boolean> {
    const next = this.tokens.next(this.buffer.first, this.buffer.length, this.maxBatch);
    const batch = this.buffer.take(next.take);
    const size = batch.rows.length;
    this.lastFlight = performance.now();
    this.flightSize = size;
    this.flightFirst = batch.first ?? 0;
    const flight = this.insert(batch, next).then(
      (err?: unknown) => {
        this.tokens.stored(next, err);
        this.figures.stored += size;
        this.figures.batches += 1;
        settleStored(batch);
        if (this.down) {
          this.down = false;
          this.logger.info({ code: 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE', stored: size, buffered: this.buffer.length }, 'the transaction log database is back');
        }
        this.backoff.reset();
        return true;
      },
      async (err: unknown) => {
        this.figures.failedBatches += 1;
        this.tokens.failed(next, this.flightFirst, size, err, await this.tokens.unblock(this.pool, next, err));
        if (this.drained || isDataError(err)) {
          // A batch the database refuses for its data would be refused forever: it is dropped, not retried.
          this.drop(batch, this.drained ? 'the transaction log closed before the database took them' : `the database refused the batch (${storeCause(err)})`);
          this.report(storeCause(err));
          return !this.drained;
        }
        this.buffer.putBack(batch);
        this.trim();
        if (!this.down) {
          this.down = true;
          this.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE', cause: storeCause(err), buffered: this.buffer.length }, 'the transaction log database did not take a batch: records wait in memory');
        }
        this.report();
        return false;
      },
    );
    this.flight = flight;
    void flight.then((ok) => {
      this.flight = undefined;
      this.flightSize = 0;
      this.progressed();
      if (this.closing !== undefined) return;
      if (ok) {
        if (this.buffer.length > 0) this.schedule();
      } else {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (this.closing === undefined && this.buffer.length > 0) void this.fly();
        }, this.backoff.next());
      }
    });
    return flight;
  }

  /** Stores `batch` under its token; resolves with the refusal that says an earlier try of it committed (else nothing). */
  private async insert(batch: BufferedRecords, next: NextBatch): Promise<unknown> {
    try {
      await copyFrom(this.pool, next.sql, Buffer.from(batch.rows.join(''), 'utf8'));
      return undefined;
    } catch (err) {
      if (storedBefore(err)) return err;
      throw err;
    }
  }

  /** Drops the oldest records beyond `maxBuffered`, behind a batch in doubt (kept whole: it goes again under its token). */
  private trim(): void {
    this.dropOldest(this.buffer.length - this.maxBuffered, 'the transaction log buffer is full while its database is away', this.tokens.heldAt(this.buffer.first));
  }

  /** Drops the oldest `count` records waiting (every one with `Infinity`) after the first `skip`, counted record by record. */
  private dropOldest(count: number, why: string, skip = 0): void {
    const n = this.buffer.dropOldest(count, notStored(why), skip);
    if (skip > 0) this.tokens.moved(n);
    this.count(n);
    this.progressed();
  }

  /** Drops a batch taken from the buffer. */
  private drop(batch: BufferedRecords, why: string): void {
    this.buffer.reject(batch, notStored(why));
    this.count(batch.rows.length);
  }

  private count(dropped: number): void {
    this.figures.dropped += dropped;
    this.droppedUnreported += dropped;
  }

  /** Logs the records dropped since the last report (at most once per failed batch, and at close). */
  private report(cause?: string): void {
    if (this.droppedUnreported === 0) return;
    this.logger.warn(
      { code: 'ISO8583_WARN_TRANSACTION_LOG_DROPPED', dropped: this.droppedUnreported, droppedTotal: this.figures.dropped, maxBuffered: this.maxBuffered, cause },
      'transaction log records dropped',
    );
    this.droppedUnreported = 0;
  }

  private async run<R extends pg.QueryResultRow>(sql: string, values: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (err) {
      throw storeError(`the transaction log ${what} failed`, err);
    }
  }
}

function notStored(why: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `not stored: ${why}`, { field: 'transactionLog' });
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
