/**
 * The transaction log on PostgreSQL: every gateway node on one database writes its records to one table
 * (`iso8583_transactions`, see schema-transactions.ts), so a query on any node answers for all of them.
 *
 * Writes are batched (transaction-writer.ts: one COPY per batch, stored once even when sent again, a bounded buffer
 * while the database is away). The log never holds up a request. Every record goes through the allow-list of
 * transaction-allow-list.ts first: nothing but the keys of a TransactionRecord, the PAN masked, ever reaches the
 * database. What `close()` cannot store by its deadline is kept in `spillDir` for the next start (transaction-spill.ts)
 * or, without one, reported: the batch in doubt as such (it may be stored), the rest as dropped.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import { connectorError } from '../errors.js';
import type { TransactionLog, TransactionLogCloseOptions, TransactionPage, TransactionQuery, TransactionRecord } from '../transaction-log.js';
import { checkTransactionQuery } from '../transaction-query.js';
import { flat } from '../journal-record.js';
import { BatchTokens, lockWait, newToken } from './batch-token.js';
import { migrate } from './migrations.js';
import { makePgPool, storeError } from './pool.js';
import { settleStored } from './record-buffer.js';
import { resolvePgTransactionLogOptions } from './transaction-log-options.js';
import type { PgTransactionLogOptions, PgTransactionLogStats } from './transaction-log-options.js';
import { BATCH_TOKENS_PRUNE, PRUNE_LOCK_WAIT, PRUNE_PRIVILEGES, TRANSACTION_COLUMNS, TRANSACTION_COPY, TRANSACTION_PRUNE, copyLine, pruneChunkSql, rowCursor, storedRecord, transactionQuerySql } from './transaction-sql.js';
import { toPage } from '../transaction-cursor.js';
import type { StoredRow } from './transaction-sql.js';
import { replaySpills } from './transaction-spill.js';
import { databaseIdentity, writeSpill } from './spill-file.js';
import type { DatabaseIdentity, SpilledBatch } from './spill-file.js';
import { TransactionWriter } from './transaction-writer.js';
import { MAX_TIMER_DELAY, within } from '../timeouts.js';
import type { Leftovers } from './transaction-writer.js';

export { transactionQuerySql };
export { MAX_TRANSACTION_BATCH } from './transaction-log-options.js';
export type { PgTransactionLogOptions, PgTransactionLogStats } from './transaction-log-options.js';

/** The rows refused by the allow-list a log remembers having reported (each is reported once): 1,000. */
const REFUSED_ROWS_REMEMBERED = 1000;

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
  /** The connections of the prunes under way ({@link prune}): cut at close. */
  private readonly pruning = new Set<pg.PoolClient>();
  private readonly node: string | undefined;
  private readonly maxBatch: number;
  private readonly closeTimeout: number;
  private readonly pruneChunk: number;
  private readonly lockTimeout: number;
  private readonly spillDir: string | undefined;
  private readonly logger: Logger;
  /** The database's URL, when given one (`connectionString`): named, its password masked, by a failed open. */
  private readonly url: string | undefined;
  private readonly writer: TransactionWriter;
  /** The database `open()` found: what a spill is made for, and checked against before it is replayed. */
  private identity: DatabaseIdentity | undefined;
  private closing: Promise<void> | undefined;
  /** The replay of `spillDir` (the first `open()` runs it). */
  private replaying: Promise<void> | undefined;
  private readonly figures = { kept: 0, inDoubt: 0, replayed: 0 };
  /** The rows a query found refused by the allow-list and reported (`seq`): each is reported once. */
  private readonly refusedRows = new Set<string>();
  /**
   * The batch `close()` handed over in doubt: the figure that counted it (`kept` or `inDoubt`, once counted), and
   * whether it committed after all. Each record is counted once: a batch that turns out stored leaves that figure.
   */
  private readonly doubt: { countedIn?: 'kept' | 'inDoubt'; stored: boolean } = { stored: false };

  constructor(options: PgTransactionLogOptions) {
    const o = resolvePgTransactionLogOptions(options);
    this.maxBatch = o.maxBatch;
    this.closeTimeout = o.closeTimeout;
    this.pruneChunk = o.pruneChunk;
    this.node = o.node;
    this.spillDir = o.spillDir;
    this.logger = o.logger;
    this.ownPool = options.pool === undefined;
    this.url = options.pool === undefined ? options.connectionString : undefined;
    const commit = o.synchronousCommit ? {} : { serverOptions: '-c synchronous_commit=off' };
    // The store's pool (pool.ts): a statement timeout and TCP keep-alive, so that a connection gone silent fails its
    // batch (retried on a new connection) instead of holding it forever. allowExitOnIdle: idle connections do not
    // hold the process (a process done with the log ends on its own); a connection in use, a batch in flight, does.
    this.pool =
      options.pool ??
      makePgPool(options.connectionString as string, { max: 4, statementTimeout: o.statementTimeout, allowExitOnIdle: true, logger: this.logger, ...commit });
    this.lockTimeout = lockWait(this.pool, o.statementTimeout);
    this.writer = new TransactionWriter({
      pool: this.pool,
      tokens: new BatchTokens(TRANSACTION_COPY, this.lockTimeout),
      maxBatch: o.maxBatch,
      flushInterval: o.flushInterval,
      maxBuffered: o.maxBuffered,
      closeTimeout: o.closeTimeout,
      backoff: new Backoff(o.retryDelay, o.maxRetryDelay),
      logger: this.logger,
      storedAfterDrain: (size) => this.storedAfterClose(size),
    });
  }

  /** The default node name: the host name and the process id. */
  static defaultNode(): string {
    return `${hostname()}:${process.pid}`;
  }

  /**
   * Creates or migrates the schema, then replays what an earlier `close()` kept in `spillDir` (each batch under its
   * token: stored once). Throws `ISO8583_ERR_CONNECTOR_STORE` when the database cannot be reached; a spill that
   * cannot be replayed is reported (`ISO8583_WARN_TRANSACTION_LOG_SPILL`) and left for the next start, never thrown.
   */
  async open(): Promise<void> {
    try {
      await migrate(this.pool);
      this.identity ??= await databaseIdentity(this.pool);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_STORE') throw err;
      throw storeError("the transaction log's database cannot be opened", err, this.url);
    }
    // Once, however many connectors open the log (open is idempotent): two replays at once would race for each file.
    if (this.spillDir !== undefined) await (this.replaying ??= this.replay(this.spillDir, this.identity));
  }

  /** Replays the spill files of `dir` (see transaction-spill.ts), reporting each. */
  private async replay(dir: string, here: DatabaseIdentity): Promise<void> {
    try {
      for (const r of await replaySpills(this.pool, dir, here, this.lockTimeout)) {
        this.figures.replayed += r.stored + r.storedBefore;
        if (r.reason === undefined) {
          this.logger.info({ code: 'ISO8583_WARN_TRANSACTION_LOG_KEPT', file: r.file, stored: r.stored, storedBefore: r.storedBefore }, 'the records an earlier close kept are stored');
        } else {
          this.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_SPILL', file: r.file, problem: r.problem, reason: r.reason, stored: r.stored, storedBefore: r.storedBefore }, 'a spill of the transaction log was not replayed: kept for the next start');
        }
      }
    } catch (err) {
      this.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_SPILL', dir, reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' }, 'the spill folder of the transaction log cannot be read');
    }
  }

  /**
   * Records a transaction. The records recorded together (until the next batch leaves) share one promise: it resolves
   * once all of them are stored (or kept in `spillDir` by `close()`), and rejects with `ISO8583_ERR_CONNECTOR_STORE`
   * when one of them was not (dropped, refused by the database, or in doubt at close). A record is refused at once with
   * `ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD` naming the key (invalid: nothing stored), `ISO8583_ERR_CONNECTOR_CLOSED`
   * after `close()`. Promises are marked handled.
   */
  record(record: TransactionRecord): Promise<void> {
    if (this.closing !== undefined) return refused(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the transaction log is closed'));
    let row: string;
    try {
      row = copyLine(record, this.node);
    } catch (err) {
      return refused(err);
    }
    // Joined now (`flat`): a row waits in the buffer while the database is away, and as the pieces it was built of it
    // would hold its request's values, each a cut of the request's whole text (a padded request: 64 KB a row).
    return this.writer.push(flat(row));
  }

  /**
   * Records matching `query`, newest first (`at`, then the order they were stored). Parameterised SQL only. Every
   * record given to `record` before the call is stored (or dropped) first: what waits in the buffer goes at once, the
   * batch in flight is waited for, for at most `closeTimeout` (with the database away, the query then answers with what
   * is stored, if it can reach it at all). Each row is read back through the allow-list (`storedRecord`): one it refuses
   * is skipped, and reported once.
   */
  async query(query: TransactionQuery = {}): Promise<TransactionPage> {
    const checked = checkTransactionQuery(query);
    await this.writer.caughtUp();
    const records: TransactionRecord[] = [];
    let last: StoredRow | undefined;
    let before = checked.before;
    // A row the allow-list refuses is skipped (refusedRow): the page is filled from the rows after it, as the file store
    // fills it from the lines after a damaged one. Such rows are rare (written by hand, restored from elsewhere): one
    // statement per page but for them.
    for (;;) {
      const want = checked.limit - records.length;
      const { text, values } = transactionQuerySql({ ...checked, limit: want, before });
      const rows = (await this.run<StoredRow>(text, values, 'query')).rows;
      for (const row of rows) {
        try {
          records.push(storedRecord(row));
          last = row;
        } catch (err) {
          this.refusedRow(row, err);
        }
      }
      if (rows.length < want || records.length >= checked.limit) break;
      before = rowCursor(rows[rows.length - 1] as StoredRow);
    }
    return toPage(records, checked.limit, () => rowCursor(last as StoredRow));
  }

  /**
   * Reports, once per row (by `seq`; up to {@link REFUSED_ROWS_REMEMBERED} remembered, then afresh), a row the
   * allow-list refused: the log did not write it (restored from elsewhere, written by hand). It is skipped by every
   * query; the key named, never a value.
   */
  private refusedRow(row: StoredRow, err: unknown): void {
    const seq = row.cursor_seq;
    if (this.refusedRows.has(seq)) return;
    if (this.refusedRows.size >= REFUSED_ROWS_REMEMBERED) this.refusedRows.clear();
    this.refusedRows.add(seq);
    this.logger.warn(
      { code: 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT', table: 'iso8583_transactions', seq, field: (err as { field?: unknown }).field },
      'a row of the transaction log is not a record the log writes: skipped',
    );
  }

  /**
   * Removes the records (and batch tokens) older than `before` (ms since the epoch), `pruneChunk` rows per statement,
   * each in a transaction of its own; resolves with how many records. Needs SELECT and DELETE on the log's tables (no
   * UPDATE: no row is locked for later). A row another session holds locked is waited for at most a second
   * ({@link PRUNE_LOCK_WAIT}): then the prune rejects with `ISO8583_ERR_CONNECTOR_STORE` (cause SQLSTATE 55P03), the
   * chunks before it removed, the rest left for the next prune; a stop is never held longer by it. A role without a
   * privilege it needs (42501) is refused naming them.
   */
  async prune(before: number): Promise<number> {
    if (typeof before !== 'number' || !Number.isFinite(before)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'must be a time in milliseconds', { field: 'before' });
    }
    // Clamped to what a timestamptz parses from an ISO string: nothing is older than 1970 here, nothing newer than 9999.
    const cutoff = new Date(Math.max(0, Math.min(Date.UTC(9999, 11, 31, 23, 59, 59, 999), before))).toISOString();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw storeError('the transaction log prune failed', err);
    }
    if (this.closing !== undefined) {
      client.release();
      throw storeError('the transaction log prune failed', new Error('the log is closing'));
    }
    this.pruning.add(client);
    let broken: Error | undefined;
    try {
      let removed = 0;
      for (;;) {
        // The oldest rows first, found and deleted by the primary key (at, seq): see TRANSACTION_PRUNE.
        const count = await this.pruneStep(client, TRANSACTION_PRUNE, cutoff);
        removed += count;
        if (count >= this.pruneChunk) continue;
        await this.pruneStep(client, BATCH_TOKENS_PRUNE, cutoff);
        return removed;
      }
    } catch (err) {
      // Cut by close (see shut): the prune ends as the log does, no failure of its own.
      if (!this.pruning.has(client)) throw connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the transaction log closed during the prune');
      // A connection whose statement failed for want of a lock, or a privilege, is whole (rolled back); any other is
      // not trusted again.
      const code = (err as { cause?: { code?: unknown } }).cause?.code;
      if (code !== '55P03' && code !== '42501') broken = err as Error;
      throw err;
    } finally {
      // Cut by close meanwhile (see shut): released there.
      if (this.pruning.delete(client)) client.release(broken);
    }
  }

  /**
   * One statement of {@link prune} in its own transaction, a locked row waited for at most {@link PRUNE_LOCK_WAIT}:
   * one round trip ({@link pruneChunkSql}); resolves with how many rows it deleted.
   */
  private async pruneStep(client: pg.PoolClient, sql: string, cutoff: string): Promise<number> {
    const lockWait = Math.max(1, Math.floor(Math.min(PRUNE_LOCK_WAIT, this.lockTimeout)));
    try {
      // A simple query of two statements: node-postgres answers with one result each, the delete's last.
      const results = (await client.query(pruneChunkSql(sql, cutoff, this.pruneChunk, lockWait))) as unknown as pg.QueryResult[];
      return results[results.length - 1]?.rowCount ?? 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === '55P03') throw storeError('the transaction log prune met a row another session holds locked: retried at the next prune', err);
      if (code === '42501') throw storeError(`the transaction log prune was refused: its role lacks a privilege it needs (${PRUNE_PRIVILEGES})`, err);
      throw storeError('the transaction log prune failed', err);
    }
  }

  /** What is buffered, in flight, stored, dropped, kept at close, in doubt at close and replayed at open. */
  stats(): PgTransactionLogStats {
    return { buffered: this.writer.buffer.length, inFlight: this.writer.inFlight, ...this.writer.figures, ...this.figures };
  }

  /**
   * Stores what is buffered, trying for up to `closeTimeout` when the database is away; what is not stored then is
   * kept in `spillDir` for the next start or, without one, reported (the batch in doubt as in doubt, the rest as
   * dropped). Then ends the pool it opened. Safe to call twice: a later call's `timeout` shortens a close under way
   * (an abort after a graceful stop began).
   */
  close(options: TransactionLogCloseOptions = {}): Promise<void> {
    const { timeout } = options;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_TIMER_DELAY)) {
      return refused(connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `must be a whole number of milliseconds from 0 to ${MAX_TIMER_DELAY}`, { field: 'timeout' }));
    }
    this.closing ??= this.shut();
    if (timeout !== undefined) {
      const timer = setTimeout(() => this.writer.hurry(), timeout);
      void this.closing.finally(() => clearTimeout(timer));
    }
    return this.closing;
  }

  private async shut(): Promise<void> {
    // A prune under way holds a connection (its chunks' transactions) that pg-pool's end() would wait for, and a
    // store that stopped answering would hold the stop with it: its connection is cut (the prune is cut short, the
    // rows it had not deleted wait for the next start's prune).
    for (const client of this.pruning) client.release(new Error('the transaction log is closing'));
    this.pruning.clear();
    const deadline = Date.now() + this.closeTimeout;
    await this.keep(await this.writer.drain(deadline));
    // pg-pool's end() waits for every client to come back: a batch the database still holds must not hold the stop
    // (what is left of closeTimeout, at least a second for the idle clients to close; none when hurried: an abort).
    const wait = this.writer.hurriedUp ? 0 : Math.max(1_000, deadline - Date.now());
    if (this.ownPool) await within(this.pool.end().catch(() => undefined), wait);
  }

  /**
   * The batch handed over in doubt at close committed after all: counted stored (by the writer), it leaves `kept` or
   * `inDoubt` (or is not counted there, when close has not counted it yet). The spill that holds it, if any, stays: its
   * replay finds the batch's token and stores nothing (`storedBefore`).
   */
  private storedAfterClose(size: number): void {
    this.doubt.stored = true;
    const from = this.doubt.countedIn;
    if (from !== undefined) this.figures[from] -= size;
    this.logger.info({ code: 'ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT', storedAfterClose: size, ...(from === undefined ? {} : { was: from }) }, 'the batch in doubt at close was stored after all: counted stored');
  }

  /** Keeps what close could not store in `spillDir`, or reports it (see {@link close}). */
  private async keep({ doubt, rest }: Leftovers): Promise<void> {
    const batches: SpilledBatch[] = doubt === undefined ? [] : [{ token: doubt.token, inDoubt: true, rows: doubt.records.rows }];
    for (let at = 0; at < rest.rows.length; at += this.maxBatch) batches.push({ token: newToken(), inDoubt: false, rows: rest.rows.slice(at, at + this.maxBatch) });
    if (batches.length === 0) return;
    const inDoubt = doubt?.records.rows.length ?? 0;
    if (this.spillDir !== undefined) {
      try {
        if (this.identity === undefined) throw Object.assign(new Error('the log was never opened'), { code: 'not opened' });
        const file = await writeSpill(this.spillDir, this.identity, TRANSACTION_COLUMNS, batches);
        const kept = inDoubt + rest.rows.length;
        // The batch in doubt counts here unless it committed while the file was written (counted stored then).
        this.figures.kept += this.doubt.stored ? rest.rows.length : kept;
        if (!this.doubt.stored && inDoubt > 0) this.doubt.countedIn = 'kept';
        if (doubt !== undefined) settleStored(doubt.records);
        settleStored(rest);
        this.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_KEPT', kept, inDoubt, file }, 'the transaction log closed before its database took these records: kept for the next start');
        return;
      } catch (err) {
        this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG', dir: this.spillDir, reason: (err as NodeJS.ErrnoException).code }, 'the transaction log cannot keep what its database did not take');
      }
    }
    if (doubt !== undefined && !this.doubt.stored) {
      // Sent, its answer never came: it may be stored. Not "dropped": said as it is.
      this.writer.buffer.reject(doubt.records, connectorError('ISO8583_ERR_CONNECTOR_STORE', 'in doubt: the transaction log closed before its database answered (the records may be stored)', { field: 'transactionLog' }));
      this.figures.inDoubt += inDoubt;
      this.doubt.countedIn = 'inDoubt';
      this.logger.warn({ code: 'ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT', inDoubt, inDoubtTotal: this.figures.inDoubt }, 'the transaction log closed before its database answered a batch: its records may or may not be stored');
    }
    this.writer.drop(rest, 'the transaction log closed before the database took them');
    this.writer.report();
  }

  private async run<R extends pg.QueryResultRow>(sql: string, values: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (err) {
      throw storeError(`the transaction log ${what} failed`, err);
    }
  }
}
