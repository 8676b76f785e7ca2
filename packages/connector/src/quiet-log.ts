/**
 * Logging where the caller must go on whatever the logger does. A logger's destination can throw (a user's stream
 * that fails on write); on the paths that settle a request, record its outcome or report a listener's failure, that
 * throw would replace an answer with an error, leave a promise unsettled, or end the process from a socket callback.
 */
import type { Logger } from 'pino';

/** Logs `obj` and `msg` at `level` through `logger`; a throw from the logger itself is dropped (nowhere to say it). */
export function logQuietly(logger: Logger, level: 'error' | 'warn' | 'info', obj: object, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    // The log itself fails: the caller goes on.
  }
}
