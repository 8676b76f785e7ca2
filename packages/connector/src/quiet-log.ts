/**
 * Logging where the caller must go on whatever the logger does. A logger's destination can throw (a user's stream
 * that fails on write); on the paths that settle a request, record its outcome or report a listener's failure, that
 * throw would replace an answer with an error, leave a promise unsettled, or end the process from a socket callback.
 */
import type { Logger } from 'pino';
import type { LogLimits } from '@iso8583/metrics';

/** Logs `obj` and `msg` at `level` through `logger`; a throw from the logger itself is dropped (nowhere to say it). */
export function logQuietly(logger: Logger, level: 'error' | 'warn' | 'info', obj: object, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    // The log itself fails: the caller goes on.
  }
}

/**
 * Logs a line of kind `key` at `level` (quietly, as {@link logQuietly}), unless `limits` says its kind wrote its share
 * this second: then it is left out and counted in the next line of its kind written (`suppressed`). The one home of
 * the cap on the SAF lines that a backlog repeats once per entry (saf-queue.ts, saf-ends.ts).
 */
export function logCapped(logger: Logger, limits: LogLimits, key: string, level: 'error' | 'warn', fields: Record<string, unknown>, msg: string): void {
  const suppressed = limits.take(key);
  if (suppressed === undefined) return;
  logQuietly(logger, level, suppressed > 0 ? { ...fields, suppressed } : fields, msg);
}
