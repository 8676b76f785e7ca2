/**
 * The log lines of a file transaction log that cannot be written (a full disk): one `error` line when its batches
 * begin to fail, one `warn` line when a batch is written again, with the records lost and the batches failed meanwhile.
 * Before, each failed batch (one every 10 ms under load) wrote its own line, and the recorder a second one: 1,716 lines
 * in 10 s, gigabytes a day, on a disk that was full already. Every record lost is still counted at once
 * (`stats().failed`, the connector's metrics).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { logQuietly } from './quiet-log.js';

/**
 * The failures of a batch a log reported itself (its episode's lines): the recorder, which logs a failed batch of any
 * other store, counts these and writes no line of its own (a second line for every batch).
 */
export const reportedFailures = new WeakSet<object>();

/** The code of both lines. */
const CODE = 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG';

/** What one failed batch says: why, and how many of its records were lost and stored. */
export interface BatchFailure {
  /** The system's error code (`ENOSPC`), when there is one. */
  cause: string | undefined;
  /** The log's reason, or the system's words and file. */
  reason: string | undefined;
  /** Records of the batch not stored. */
  records: number;
  /** Records of the batch stored (lines written whole before the write was cut short). */
  stored: number;
}

/**
 * One failure episode of a transaction log folder at a time: its first line, its counts, its end. An episode is one
 * kind of failure (the system's code, else the log's reason): a batch failing for another (a full disk, then the folder
 * taken by another process) ends it and begins the next, with its own error line.
 */
export class WriteFailureEpisodes {
  /** The episode under way: its kind, since when (`performance.now()`, monotonic), its counts. */
  private episode: { kind: string | undefined; since: number; batches: number; records: number } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly dir: string,
  ) {}

  /**
   * A batch failed: the first of an episode is logged (`error`), the next ones of its kind only counted; one of
   * another kind ends the episode (`warn`) and begins the next.
   */
  failed(failure: BatchFailure): void {
    const kind = failure.cause ?? failure.reason;
    if (this.episode !== undefined && this.episode.kind === kind) {
      this.episode.batches += 1;
      this.episode.records += failure.records;
      return;
    }
    this.end('the transaction log fails for another reason');
    this.episode = { kind, since: performance.now(), batches: 1, records: failure.records };
    logQuietly(
      this.logger,
      'error',
      { code: CODE, dir: this.dir, ...failure },
      'the transaction log cannot be written: records lost',
    );
  }

  /** A batch was written: an episode under way ends, logged (`warn`) with what it lost. */
  written(): void {
    this.end('the transaction log is written again');
  }

  /** The log closes: an episode under way is logged as it stands (the records lost since its first line). */
  closing(): void {
    this.end('the transaction log closes while it cannot be written');
  }

  private end(msg: string): void {
    const episode = this.episode;
    if (episode === undefined) return;
    this.episode = undefined;
    logQuietly(
      this.logger,
      'warn',
      { code: CODE, dir: this.dir, records: episode.records, batches: episode.batches, ms: Math.round(performance.now() - episode.since) },
      `${msg}: ${episode.records} records lost in ${episode.batches} batches`,
    );
  }
}
