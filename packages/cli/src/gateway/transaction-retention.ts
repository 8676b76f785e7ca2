/**
 * The gateway's transaction log over its life: opened at start (a folder locked by another live process stops the
 * start with `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED`), pruned to `--transaction-retention` days in the
 * background once the gateway serves and then once a day (the file store deletes the whole UTC days older than the
 * retention; PostgreSQL, the rows older than it), flushed and released at the end. A prune never holds the start: the
 * log is a record, not what makes money safe, so a prune that is slow (millions of old rows) or fails (a row locked by
 * another session: a warning, retried next time; a privilege missing, a statement timeout: an error) delays no
 * listener and is logged, not fatal.
 */
import type { Logger } from 'pino';
import { DAY_MS } from '@iso8583/connector';
import type { TransactionLog } from '@iso8583/connector';

/** The running retention of a log. */
export interface TransactionRetention {
  /** The log. */
  readonly log: TransactionLog;
  /** Prunes now: removes the records older than the retention; resolves with how many went (0 when kept forever). */
  prune(): Promise<number>;
  /**
   * Starts pruning: once now, in the background, then once a day; a failure is logged (`the transaction log cannot be
   * pruned`, with its code and reason; a row locked elsewhere only warns, `retried next time`), never thrown. Called once the gateway serves. A second call does nothing.
   */
  startPruning(): void;
  /**
   * Stops pruning, flushes and closes the log, waiting for its database at most `timeout` ms when given (an abort: see
   * `TransactionLog.close`; default the log's own). Safe to call twice: a later `timeout` shortens a close under way.
   */
  close(timeout?: number): Promise<void>;
}

/** Opens `log`; resolves once opened. Pruning to `days` (0 = forever) starts with `startPruning()`. */
export async function keepTransactions(log: TransactionLog, days: number, logger: Logger): Promise<TransactionRetention> {
  await log.open();
  let closed = false;
  const prune = async (): Promise<number> => {
    if (days <= 0) return 0;
    const removed = await log.prune(Date.now() - days * DAY_MS);
    if (removed > 0) logger.info({ removed, days }, 'transaction log pruned');
    return removed;
  };
  const pruneLogged = (): void => {
    prune().catch((err: { code?: string; message?: string; cause?: { code?: unknown } }) => {
      // A prune cut short by the stop (the log closed under it) is not a failure worth a line.
      if (closed || err.code === 'ISO8583_ERR_CONNECTOR_CLOSED') return;
      // A row another session holds locked (SQLSTATE 55P03, after the log's short lock wait): the rest waits for the
      // next prune, nothing is wrong with the log. Any other failure (a privilege the role lacks, named in `reason`;
      // a statement timeout) stops retention until it is mended: an error. The store's texts hold no value.
      if (err.cause?.code === '55P03') logger.warn({ code: err.code, reason: err.message }, 'the transaction log prune met a locked row: retried next time');
      else logger.error({ code: err.code, reason: err.message }, 'the transaction log cannot be pruned');
    });
  };
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  return {
    log,
    prune,
    startPruning: () => {
      if (timer !== undefined || closed) return;
      timer = setInterval(pruneLogged, DAY_MS);
      timer.unref();
      pruneLogged();
    },
    close: (timeout?: number) => {
      closed = true;
      clearInterval(timer);
      // Called again (an abort after a graceful stop began), the log's close hears the shorter wait; its promise is one.
      const done = log.close(timeout === undefined ? undefined : { timeout });
      closing ??= done.catch((err: { code?: string }) => logger.error({ code: err.code }, 'the transaction log cannot be closed'));
      return closing;
    },
  };
}
