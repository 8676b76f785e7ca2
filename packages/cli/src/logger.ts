/**
 * The one process logger of every `iso8583` command (pino; JSON lines, or pino-pretty on a terminal): the redaction of
 * card data is configured here once.
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { DEFAULT_SENSITIVE_FIELDS } from '@iso8583/codec';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { LOG_FILE_BACKLOG, watchFileBacklog } from './log-file-backlog.js';
import type { FileBacklogAtExit } from './log-file-backlog.js';
import { pathProblem, systemReason } from './path-problem.js';

/** pino-pretty (CommonJS, loaded as it is needed): only a log written for a terminal uses it. */
function loadPinoPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/**
 * Paths hidden should a message object ever be logged whole (as `fields`, at the top or one level down): the fields of
 * the codec's one list of card data, `DEFAULT_SENSITIVE_FIELDS`: PAN (2), PAN extended (34), track 2 (35), track 3
 * (36), track 1 (45), PIN block (52), security control information (53), EMV data (55). The packages themselves log
 * MTI, STAN, terminal and response code only.
 */
export const REDACTED_PATHS: readonly string[] = Object.keys(DEFAULT_SENSITIVE_FIELDS).flatMap((f) => [
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
  /**
   * The format of the lines: `json` (one object a line), `pretty` (pino-pretty: time, level, message, colours) or
   * `auto`, which is `pretty` on a terminal and `json` otherwise ({@link chooseLogFormat}). Default `auto`.
   */
  format?: LogFormat;
}

/**
 * The level the logger needs: `level`, lowered to `info` when `--log-messages` asks for the message lines (which are
 * written at `info`) and `level` would hide them.
 */
export function levelFor(level: string, logMessages: boolean): string {
  const order = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  return logMessages && order.indexOf(level) > order.indexOf('info') ? 'info' : level;
}

/** How log lines are written: JSON lines, pino-pretty, or whichever fits the destination. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * The format `auto` stands for: `pretty` when the lines go to standard error and standard error is a terminal (a
 * person reads them), `json` for a log file, a pipe or a service manager (a program reads them). `ISO8583_LOG_FORMAT`
 * (`json` or `pretty`) in the environment decides instead, as `format` does when it is not `auto`.
 */
export function chooseLogFormat(choice: {
  format?: LogFormat | undefined;
  file?: string | undefined;
  isTTY: boolean | undefined;
  env?: NodeJS.ProcessEnv;
}): 'json' | 'pretty' {
  const fromEnv = choice.env?.ISO8583_LOG_FORMAT;
  const format = choice.format !== undefined && choice.format !== 'auto' ? choice.format : fromEnv === 'json' || fromEnv === 'pretty' ? fromEnv : 'auto';
  if (format !== 'auto') return format;
  return choice.file === undefined && choice.isTTY === true ? 'pretty' : 'json';
}

/**
 * Why `file` cannot be the log file, as the system's reason (`EISDIR (illegal operation on a directory)`), or
 * `undefined` when it can. With `create` (a start), its folder and the file are made and opened for appending as the
 * logger will (a named FIFO with no reader: `ENXIO (no such device or address)`, never a wait); without (`--check`,
 * `--check-config`), nothing is made and {@link pathProblem}'s rule answers. Every
 * command with a log file calls this before it starts, so a bad path is a coded error at once rather than a crash or
 * lost lines once the process runs.
 */
export function logFileProblem(file: string, create: boolean): string | undefined {
  if (!create) return pathProblem(file, 'file');
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Opened as the logger will ('a'), without waiting: a named FIFO nobody reads is ENXIO at once, not a start that
    // waits for a reader for ever (a signal cannot end a process held in open()).
    closeSync(openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NONBLOCK ?? 0), 0o666));
    return undefined;
  } catch (err) {
    return systemReason(err);
  }
}

/** A logger writing JSON lines to a file (reopened on demand, for log rotation) or to standard error. */
export interface ReopenableLogger {
  /** The pino logger. */
  logger: Logger;
  /** Reopens the log file (after `logrotate` moved it); nothing for standard error. */
  reopen(): void;
  /**
   * Writes what is buffered. While the destination fails (its last write failed), one write of what is buffered is
   * tried, without retry: never blocks, never throws.
   */
  flush(): void;
  /** Writes what is buffered and closes the log file (standard error stays open); resolves once it is closed. */
  close(): Promise<void>;
}

/**
 * The most bytes of log lines kept while standard error cannot be written (a full disk): 1 MiB, then lines are dropped
 * rather than held in memory without end.
 */
const STDERR_BACKLOG = 1024 * 1024;

/**
 * The log files, whether each is failing, and what its backlog says at the exit, for the one `exit` listener of
 * {@link dropWhenFailingAtExit}.
 */
const fileDestinations = new Map<{ destroy(): void }, { failing: () => boolean; atExit: FileBacklogAtExit }>();
let exitListening = false;

/** SonicBoom's own state (sonic-boom 4, utf8 mode): what it holds and whether a write is under way. */
interface HeldLines {
  fd: number;
  _writing: boolean;
  _writingBuf: unknown;
  _bufs: unknown[];
  _len: number;
}

/**
 * One synchronous write (no retry) of what a failing log file holds: true when all of it was written (the
 * destination then holds nothing), false when the write threw, fell short or the state is not the one known.
 */
function writeHeldOnce(destination: unknown): boolean {
  const held = destination as Partial<HeldLines>;
  // A write under way (its buffer with the system) or a Buffer mode: not ours to write again.
  if (typeof held.fd !== 'number' || held.fd < 0 || held._writing !== false || typeof held._writingBuf !== 'string' || !Array.isArray(held._bufs)) return false;
  if (!held._bufs.every((b) => typeof b === 'string')) return false;
  const text = held._writingBuf + (held._bufs as string[]).join('');
  if (text === '') return true;
  try {
    const bytes = Buffer.from(text, 'utf8');
    if (writeSync(held.fd, bytes) !== bytes.length) return false;
  } catch {
    return false;
  }
  held._writingBuf = '';
  held._bufs = [];
  held._len = 0;
  return true;
}

/**
 * At exit, a log file that is failing (a full disk) gets one synchronous write of what it still holds (the disk may
 * have recovered: the lines are kept), no retry; should that write fail, what it holds is dropped: pino's own exit
 * hook flushes it synchronously, and SonicBoom's `flushSync` sleeps and tries again for ever on a write that fails
 * (`ENOSPC`), so a gateway whose log disk was full printed `gateway stopped` and never exited. Runs before pino's hook
 * (prepended). Then the file's backlog says at `atExit` how many lines it dropped, when a failure episode is under way.
 */
function dropWhenFailingAtExit(destination: { destroy(): void }, failing: () => boolean, atExit: FileBacklogAtExit): void {
  if (!exitListening) {
    exitListening = true;
    process.prependListener('exit', () => {
      for (const [d, { failing: isFailing, atExit }] of fileDestinations) {
        const written = !isFailing() || writeHeldOnce(d);
        if (!written) {
          try {
            d.destroy();
          } catch {
            // not opened yet: nothing held
          }
        }
        // No 'write' ends an episode now (pino's flushSync emits none): the count of lines dropped is said here.
        atExit(written);
      }
    });
  }
  fileDestinations.set(destination, { failing, atExit });
}

/**
 * Makes the process logger. Card data never reaches it: the packages log MTI, STAN, terminal and response code only,
 * and the redaction paths below hide PAN, track and PIN data should a message object ever be logged whole.
 */
export function createLogger(options: LoggerOptions): ReopenableLogger {
  const destination = options.file === undefined
    ? pino.destination({ dest: 2, sync: true, maxLength: STDERR_BACKLOG })
    : pino.destination({ dest: options.file, sync: false, mkdir: true, maxLength: LOG_FILE_BACKLOG });
  // Whether the last write of the destination failed (until one succeeds): a flush then would retry for ever
  // (SonicBoom's flushSync sleeps and tries again on any error), holding the process at its end.
  let failing = false;
  destination.on('error', () => {
    failing = true;
  });
  destination.on('write', () => {
    failing = false;
  });
  // A standard error that cannot be written (a full disk): its lines are lost (kept up to STDERR_BACKLOG bytes,
  // written should it recover), never thrown at the code that logs (the listener above takes the error): a log call
  // inside a gateway's close threw before, the close failed half done ("gateway aborted") and the process hung.
  const made: { logger?: Logger } = {};
  if (options.file !== undefined) {
    // Opened (and checked by logFileProblem) before; a reopen after log rotation may still fail: say so once a
    // failure, never crash the process for its log.
    const atExit = watchFileBacklog(destination, options.file, () => made.logger);
    dropWhenFailingAtExit(destination, () => failing, atExit);
  }
  const format = chooseLogFormat({ format: options.format, file: options.file, isTTY: process.stderr.isTTY, env: process.env });
  // pino-pretty in the process (no worker thread), writing to the same synchronous standard error.
  const stream: DestinationStream =
    format === 'pretty' && options.file === undefined
      ? loadPinoPretty()({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, ignore: 'pid,hostname' })
      : destination;
  const logger = pino(
    {
      level: options.level,
      base: options.name === undefined ? { pid: process.pid } : { pid: process.pid, name: options.name },
      redact: { paths: [...REDACTED_PATHS], censor: '[masked]' },
    },
    stream,
  );
  made.logger = logger;
  return {
    logger,
    reopen: () => {
      if (options.file !== undefined) destination.reopen();
    },
    flush: () => {
      if (failing) {
        // One more try of what is buffered (the last error line, say), no retry: SonicBoom writes the held lines
        // once on a write, stops at the first that fails (its 'error' taken above) and throws nothing. A standard
        // error that recovered gets them; one still failing loses them, as before, without holding the exit.
        try {
          destination.write('');
        } catch {
          // destroyed (closed): nothing to write to
        }
        return;
      }
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
        fileDestinations.delete(destination);
        destination.once('close', () => resolve());
        destination.end();
      }),
  };
}
