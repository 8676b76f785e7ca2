/**
 * The bound on what a log file keeps in memory while it cannot be written (a full disk), and what is said about it:
 * one notice on standard error when a failure begins, one line (standard error and the log) when the file is written
 * again, with the count of lines dropped. Before, a log file kept every line while it failed (a gateway's heap grew by
 * each line logged) and said "log lines are lost" at every failed write, which was false both ways.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { printable, writeNotice } from './io.js';
import { systemReason } from './path-problem.js';

/**
 * The most bytes of log lines a log file keeps in memory while it cannot be written (a full disk): 8 MiB, written
 * once it can be written again, in order; further lines are dropped and counted.
 */
export const LOG_FILE_BACKLOG = 8 * 1024 * 1024;

/** Milliseconds between two tries of a failing log file whose backlog is full (every line dropped would try). */
const FULL_RETRY_MS = 1_000;

/** The code of the log line written once a log file that dropped lines is written again. */
export const LOG_LINES_DROPPED = 'ISO8583_WARN_LOG_LINES_DROPPED';

/** What {@link watchFileBacklog} needs of a SonicBoom destination (events; `_len`: the bytes it holds). */
interface Backlogged {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'drop' | 'write', listener: (arg: unknown) => void): unknown;
  write(data: string): boolean;
}

/**
 * Called at the exit with whether the file got all it held (`written`): an episode under way says on standard error
 * how many lines it dropped.
 */
export type FileBacklogAtExit = (written: boolean) => void;

/**
 * Watches the log file `file` written by `destination` (made with `maxLength: LOG_FILE_BACKLOG`): a failure episode
 * begins at a failed write or a dropped line and ends at a write that leaves room again (less than half the bound
 * held: under steady logging a recovered file may hold some bytes for long). Once a begun episode, a notice on
 * standard error; once ended, a notice and a warning line (`ISO8583_WARN_LOG_LINES_DROPPED`, `dropped`) through the
 * logger `logger()` gives, when lines were dropped. While the backlog is full, the file is tried again about once a
 * second (SonicBoom tries only when a line is taken, and a full backlog takes none).
 *
 * Returns what the process's `exit` listener calls once it wrote or dropped what the file held (no 'write' comes then):
 * an episode under way gets its notice on standard error, so that the count of lines dropped is not lost.
 */
export function watchFileBacklog(destination: Backlogged, file: string, logger: () => Logger | undefined): FileBacklogAtExit {
  let episode: { dropped: number } | undefined;
  let lastTry = -Infinity;
  const begin = (reason: string): { dropped: number } => {
    if (episode !== undefined) return episode;
    episode = { dropped: 0 };
    writeNotice(
      process.stderr,
      `iso8583: log file ${printable(file)} cannot be written: ${reason}; its lines are kept in memory (up to ${LOG_FILE_BACKLOG / 1024 / 1024} MiB) and written once it can be, further lines are dropped and counted\n`,
    );
    return episode;
  };
  destination.on('error', (err: unknown) => {
    begin(systemReason(err));
  });
  let retry: NodeJS.Timeout | undefined;
  // An empty line: SonicBoom takes it (nothing added) and tries to write what it holds, if no write is under way.
  const tryAgain = (): void => {
    retry = undefined;
    lastTry = performance.now();
    try {
      destination.write('');
    } catch {
      // destroyed (closed): nothing to try
    }
  };
  destination.on('drop', () => {
    begin('lines come faster than it takes them').dropped++;
    if (retry !== undefined) return;
    const wait = lastTry + FULL_RETRY_MS - performance.now();
    if (wait <= 0) tryAgain();
    // A burst then silence still gets its try (the timer keeps no process alive).
    else retry = setTimeout(tryAgain, wait).unref();
  });
  destination.on('write', (n: unknown) => {
    if (episode === undefined) return;
    const held = (destination as { _len?: unknown })._len;
    // Room again (SonicBoom subtracts `n` once its 'write' listeners return): the episode ends, what is held follows.
    if (typeof held === 'number' && typeof n === 'number' && held - n >= LOG_FILE_BACKLOG / 2) return;
    const { dropped } = episode;
    episode = undefined;
    writeNotice(process.stderr, writtenAgain(file, dropped));
    if (dropped === 0) return;
    // After this write is accounted (SonicBoom counts it once its 'write' listeners return).
    setImmediate(() => {
      try {
        logger()?.warn({ code: LOG_LINES_DROPPED, dropped }, `${dropped} log lines dropped: the log file could not be written`);
      } catch {
        // the log fails again: the next episode says so
      }
    });
  });
  return (written: boolean): void => {
    if (episode === undefined) return;
    const { dropped } = episode;
    episode = undefined;
    writeNotice(
      process.stderr,
      written ? writtenAgain(file, dropped) : `iso8583: log file ${printable(file)}: ${dropped} log lines dropped; the process ends while it could not be written\n`,
    );
  };
}

/** The notice of a log file written again, with the lines it dropped meanwhile. */
function writtenAgain(file: string, dropped: number): string {
  return `iso8583: log file ${printable(file)} written again; ${dropped} log lines dropped while it could not be\n`;
}
