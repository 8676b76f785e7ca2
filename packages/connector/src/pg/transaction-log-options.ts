/**
 * The options of the PostgreSQL transaction log (pg/transaction-log.ts), their defaults and their checks: every option
 * checked in the constructor, before any connection opens, with `ISO8583_ERR_CONNECTOR_OPTIONS` naming it.
 */
import type pg from 'pg';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { backoffOrderProblem } from '../backoff.js';
import { connectorError } from '../errors.js';
import { MAX_TIMER_DELAY } from '../timeouts.js';
import { hasControl } from '../transaction-allow-list.js';

/** Options of {@link PgTransactionLog}. Give `connectionString` or `pool`. */
export interface PgTransactionLogOptions {
  /** `postgresql://USER@HOST:PORT/DB`: the log opens (and closes) its own pool on it. */
  connectionString?: string;
  /** A pool to use instead (shared with the SAF journal, say); the log never ends it. */
  pool?: pg.Pool;
  /** The node name stamped on every record this log stores (it replaces the record's `node`). Default: the record's own `node`. */
  node?: string;
  /**
   * Whether each batch waits for its commit to reach the disk of the database server (`synchronous_commit`) before
   * its records' promises resolve. Default false: the log's own pool runs with `synchronous_commit=off`, so that its
   * batches do not queue for the WAL flush beside the SAF journal's commits, which a request waits for (the journal
   * stays synchronous: money depends on it; nothing depends on a log record). A crash of the database server (not of
   * a gateway) may then lose the records of its last moments (up to 3x `wal_writer_delay`, 600 ms by default);
   * what is kept is never torn. Ignored with `pool` (the pool's own setting holds).
   */
  synchronousCommit?: boolean;
  /** Most records in one batch (one COPY), at most {@link MAX_TRANSACTION_BATCH} (10000). Default 1000. */
  maxBatch?: number;
  /**
   * Least time between the starts of two batches, in ms (a batch of `maxBatch` records goes at once): records gather
   * meanwhile, so that the database takes them in fewer, larger statements (its cost per record falls with the size
   * of the batch). 0 sends a batch as soon as the one before is stored. A gateway process that dies (not a graceful
   * stop: `close()` stores what is buffered) loses the records it had not yet sent: those of about the last
   * `flushInterval` ms, and the batch in flight. Default 25 (a batch of 75 records at 3,000 a second, 250 at 10,000: the
   * server's CPU per row is about a third higher in batches of 30 than of 100 or more).
   */
  flushInterval?: number;
  /** Most records waiting for the database (not counting the batch in flight); beyond it the oldest are dropped. Default 50000. */
  maxBuffered?: number;
  /**
   * First delay before a failed batch is retried, in ms (doubling, with jitter, up to `maxRetryDelay`), from 1 to
   * 2147483647 (`MAX_TIMER_DELAY`); given with `maxRetryDelay`, at most that. Default 200.
   */
  retryDelay?: number;
  /**
   * Longest delay between retries, in ms, from 1 to 2147483647 (`MAX_TIMER_DELAY`). Default 5000, or `retryDelay` when
   * that alone is given longer.
   */
  maxRetryDelay?: number;
  /**
   * How long `close()` keeps trying to store what is buffered before it gives up on it (then keeps it in `spillDir`, or
   * reports it), in ms, from 1 to 2147483647 (`MAX_TIMER_DELAY`). Default 5000.
   */
  closeTimeout?: number;
  /**
   * Milliseconds a statement (a batch's COPY, a query, a prune chunk) may take before it fails, on the log's own pool:
   * a connection gone silent (a host or firewall that drops it without a word) then fails its batch, which is retried
   * on a new connection. Ignored with `pool` (the pool's own setting holds), but for the wait of a batch sent again
   * for its earlier try: half the shortest of this and the pool's `query_timeout` and `statement_timeout` (half of
   * this on the log's own pool; see batch-token.ts). From 1 to 2147483647 (`MAX_TIMER_DELAY`, PostgreSQL's own
   * limit too). Default 30000.
   */
  statementTimeout?: number;
  /**
   * A folder where `close()` keeps what it could not store by `closeTimeout` (the database away): the batch in doubt
   * (sent, its answer never came: maybe stored) under its token and the records never sent, in one file written whole
   * and synced (mode 0600, the folder made 0700), the COPY rows as the table would hold them (the PAN masked). The
   * next `open()` stores each batch under its token (one already stored is not stored again) and removes the file.
   * Default: none (the batch in doubt is reported in doubt, the rest dropped).
   */
  spillDir?: string;
  /** Rows removed per DELETE by `prune`. Default 10000. */
  pruneChunk?: number;
  /** Where warnings go (database away, records dropped). Default: a silent logger. */
  logger?: Logger;
}

/** Figures of a {@link PgTransactionLog}. */
export interface PgTransactionLogStats {
  /** Records waiting for the database. */
  buffered: number;
  /** Records in the batch in flight. */
  inFlight: number;
  /** Records stored since the log opened. */
  stored: number;
  /** Records dropped (buffer full while the database was away, refused for their data, or never sent when `close()` gave up without `spillDir`). */
  dropped: number;
  /** Batches stored (one statement each) since the log opened: `stored / batches` is the mean batch size. */
  batches: number;
  /** Batches that failed: retried when the database was away, dropped when it refused their data. */
  failedBatches: number;
  /**
   * Records `close()` could not store and kept in `spillDir` for the next start (the batch in doubt among them, unless
   * it committed after all: then counted in `stored` instead).
   */
  kept: number;
  /**
   * Records of a batch in doubt (sent, its answer never came: maybe stored) that `close()` could neither store nor
   * keep; a batch that commits after the close leaves this figure for `stored` (each record is counted once).
   */
  inDoubt: number;
  /** Records `open()` replayed from `spillDir` (stored then, or found stored by an earlier try). */
  replayed: number;
}

/** The defaults of every option. */
const DEFAULTS = { synchronousCommit: false, maxBatch: 1000, flushInterval: 25, maxBuffered: 50_000, retryDelay: 200, maxRetryDelay: 5000, closeTimeout: 5000, pruneChunk: 10_000, statementTimeout: 30_000 };

/** The largest `maxBatch`: some 2 MB of COPY text, held in memory twice (the rows, then the message) while in flight. */
export const MAX_TRANSACTION_BATCH = 10_000;

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', max === Number.MAX_SAFE_INTEGER ? 'must be a positive integer' : `must be an integer from 1 to ${max}`, { field: name });
  }
  return value;
}

/** The options with their defaults, checked (what the log keeps of them). */
export interface ResolvedPgTransactionLogOptions {
  node: string | undefined;
  synchronousCommit: boolean;
  maxBatch: number;
  flushInterval: number;
  maxBuffered: number;
  retryDelay: number;
  maxRetryDelay: number;
  closeTimeout: number;
  pruneChunk: number;
  statementTimeout: number;
  spillDir: string | undefined;
  logger: Logger;
}

/** Checks `options` and fills in the defaults; throws `ISO8583_ERR_CONNECTOR_OPTIONS` naming the first bad option. */
export function resolvePgTransactionLogOptions(options: PgTransactionLogOptions): ResolvedPgTransactionLogOptions {
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'give either connectionString or pool', { field: 'connectionString' });
  }
  if (options.node !== undefined && (typeof options.node !== 'string' || options.node === '' || options.node.length > 200 || hasControl(options.node))) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a name of 1 to 200 characters, no control character', { field: 'node' });
  }
  if (options.synchronousCommit !== undefined && typeof options.synchronousCommit !== 'boolean') {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be true or false', { field: 'synchronousCommit' });
  }
  const maxBatch = positive('maxBatch', options.maxBatch, DEFAULTS.maxBatch, MAX_TRANSACTION_BATCH);
  if (options.flushInterval !== undefined && (!Number.isInteger(options.flushInterval) || options.flushInterval < 0 || options.flushInterval > 60_000)) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be an integer from 0 to 60000 (ms)', { field: 'flushInterval' });
  }
  if (options.spillDir !== undefined && (typeof options.spillDir !== 'string' || options.spillDir === '' || options.spillDir.includes('\0'))) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a folder path', { field: 'spillDir' });
  }
  // Delays are timers: one past MAX_TIMER_DELAY would fire after 1 ms.
  const retryDelay = positive('retryDelay', options.retryDelay, DEFAULTS.retryDelay, MAX_TIMER_DELAY);
  const maxRetryDelay = positive('maxRetryDelay', options.maxRetryDelay, DEFAULTS.maxRetryDelay, MAX_TIMER_DELAY);
  const order = options.maxRetryDelay === undefined ? undefined : backoffOrderProblem(retryDelay, maxRetryDelay);
  if (order !== undefined) {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `must not be more than maxRetryDelay: ${order}`, { field: 'retryDelay' });
  }
  return {
    node: options.node,
    synchronousCommit: options.synchronousCommit ?? DEFAULTS.synchronousCommit,
    maxBatch,
    flushInterval: options.flushInterval ?? DEFAULTS.flushInterval,
    maxBuffered: positive('maxBuffered', options.maxBuffered, DEFAULTS.maxBuffered),
    retryDelay,
    maxRetryDelay: Math.max(retryDelay, maxRetryDelay),
    closeTimeout: positive('closeTimeout', options.closeTimeout, DEFAULTS.closeTimeout, MAX_TIMER_DELAY),
    pruneChunk: positive('pruneChunk', options.pruneChunk, DEFAULTS.pruneChunk),
    statementTimeout: positive('statementTimeout', options.statementTimeout, DEFAULTS.statementTimeout, MAX_TIMER_DELAY),
    spillDir: options.spillDir,
    logger: options.logger ?? pino({ level: 'silent' }),
  };
}
