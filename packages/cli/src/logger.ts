/**
 * The one process logger of every `iso8583` command (pino, JSON lines): the redaction of card data is configured
 * here once.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * Paths hidden should a message object ever be logged whole: PAN (2), track 2 (35), track 3 (36), track 1 (45), PIN
 * block (52), EMV data (55). The packages themselves log MTI, STAN, terminal and response code only.
 */
export const REDACTED_PATHS: readonly string[] = ['2', '35', '36', '45', '52', '55'].flatMap((f) => [
  `*.fields["${f}"]`,
  `fields["${f}"]`,
]);

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Log file (JSON lines, reopened by `reopen()`); default: standard error, written synchronously. */
  file?: string | undefined;
  /** The pino level (`fatal` ... `trace`, `silent`). */
  level: string;
  /** The `name` field of every line. Default: none. */
  name?: string;
}

/** A logger writing JSON lines to a file (reopened on demand, for log rotation) or to standard error. */
export interface ReopenableLogger {
  /** The pino logger. */
  logger: Logger;
  /** Reopens the log file (after `logrotate` moved it); nothing for standard error. */
  reopen(): void;
  /** Writes what is buffered. */
  flush(): void;
  /** Writes what is buffered and closes the log file (standard error stays open); resolves once it is closed. */
  close(): Promise<void>;
}

/**
 * Makes the process logger. Card data never reaches it: the packages log MTI, STAN, terminal and response code only,
 * and the redaction paths below hide PAN, track and PIN data should a message object ever be logged whole.
 */
export function createLogger(options: LoggerOptions): ReopenableLogger {
  const destination = options.file === undefined
    ? pino.destination({ dest: 2, sync: true })
    : pino.destination({ dest: options.file, sync: false, mkdir: true });
  const logger = pino(
    {
      level: options.level,
      base: options.name === undefined ? { pid: process.pid } : { pid: process.pid, name: options.name },
      redact: { paths: [...REDACTED_PATHS], censor: '[masked]' },
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
    close: () =>
      new Promise<void>((resolve) => {
        if (options.file === undefined) {
          resolve();
          return;
        }
        destination.once('close', () => resolve());
        destination.end();
      }),
  };
}
