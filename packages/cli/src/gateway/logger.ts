import { pino } from 'pino';
import type { Logger } from 'pino';

/** A logger writing JSON lines to a file (reopened on demand, for log rotation) or to standard error. */
export interface ReopenableLogger {
  /** The pino logger. */
  logger: Logger;
  /** Reopens the log file (after `logrotate` moved it); nothing for standard error. */
  reopen(): void;
  /** Writes what is buffered. */
  flush(): void;
}

/**
 * Makes the process logger. Card data never reaches it: the packages log MTI, STAN, terminal and response code only,
 * and the redaction paths below hide PAN, track and PIN data should a message object ever be logged whole.
 */
export function createLogger(options: { file?: string | undefined; level: string }): ReopenableLogger {
  const destination = options.file === undefined
    ? pino.destination({ dest: 2, sync: true })
    : pino.destination({ dest: options.file, sync: false, mkdir: true });
  const logger = pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: ['*.fields["2"]', '*.fields["35"]', '*.fields["36"]', '*.fields["45"]', '*.fields["52"]', '*.fields["55"]'], censor: '[masked]' },
    },
    destination,
  );
  return {
    logger,
    reopen: () => {
      if (options.file !== undefined) destination.reopen();
    },
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // not ready yet (nothing written): nothing to flush
      }
    },
  };
}
