/**
 * The gateway's transaction log over its life: opened at start (a folder locked by another live process stops the
 * start with `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED`), pruned to `--transaction-retention` days at start and
 * then once a day (the file store deletes the whole UTC days older than the retention; PostgreSQL, the rows older
 * than it), flushed and released at the end.
 */
import type { Logger } from 'pino';
import { DAY_MS } from '@iso8583/connector';
import type { TransactionLog } from '@iso8583/connector';
import { undoKeeping } from './undo-start.js';

/** The running retention of a log. */
export interface TransactionRetention {
  /** The log. */
  readonly log: TransactionLog;
  /** Prunes now: removes the records older than the retention; resolves with how many went (0 when kept forever). */
  prune(): Promise<number>;
  /**
   * Stops pruning, flushes and closes the log, waiting for its database at most `timeout` ms when given (an abort: see
   * `TransactionLog.close`; default the log's own). Safe to call twice: a later `timeout` shortens a close under way.
   */
  close(timeout?: number): Promise<void>;
}

/** Opens `log`, prunes it to `days` (0 = forever) now and every day after; resolves once opened and pruned. */
export async function keepTransactions(log: TransactionLog, days: number, logger: Logger): Promise<TransactionRetention> {
  await log.open();
  const prune = async (): Promise<number> => {
    if (days <= 0) return 0;
    const removed = await log.prune(Date.now() - days * DAY_MS);
    if (removed > 0) logger.info({ removed, days }, 'transaction log pruned');
    return removed;
  };
  try {
    await prune();
  } catch (err) {
    // The prune's error is the start's: a close that fails too is logged, not thrown in its place.
    throw await undoKeeping(err, () => log.close(), logger);
  }
  const timer = setInterval(() => {
    prune().catch((err: { code?: string }) => logger.error({ code: err.code }, 'the transaction log cannot be pruned'));
  }, DAY_MS);
  timer.unref();
  let closing: Promise<void> | undefined;
  return {
    log,
    prune,
    close: (timeout?: number) => {
      clearInterval(timer);
      // Called again (an abort after a graceful stop began), the log's close hears the shorter wait; its promise is one.
      const closed = log.close(timeout === undefined ? undefined : { timeout });
      closing ??= closed.catch((err: { code?: string }) => logger.error({ code: err.code }, 'the transaction log cannot be closed'));
      return closing;
    },
  };
}
