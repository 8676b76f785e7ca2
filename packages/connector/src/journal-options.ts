/**
 * The options of the file journal (journal.ts), their defaults in one place, and their check: what the constructor
 * accepts before any file is touched.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { optionsError } from './errors.js';
import { SYNC_ON_WRITE } from './durable-file.js';
import { MAX_TIMER_DELAY } from './timeouts.js';

/** Options of `FileJournal`. */
export interface FileJournalOptions {
  /**
   * The file size (bytes) past which it is compacted while running, once its records are also at least twice the
   * live (open) entries' text the last compaction wrote: a journal whose open entries alone take more than this grows
   * to twice their text before it compacts again (each compaction rewrites them), rather than compacting at every
   * write. A number above 0 (else `ISO8583_ERR_CONNECTOR_OPTIONS` naming it). Default 64 MiB.
   */
  compactAt?: number;
  /**
   * How far (bytes) the file is preallocated ahead of its records, and the size of the spare file made ahead for the
   * next compaction: about 10,000 purchases (add + done) per 4 MiB go between two compactions while under load, each
   * costing about 3.5 ms of CPU plus 0.35 ms per MiB, and holding the appends for its renames and fsyncs (3-25 ms on
   * the test machine). Larger means fewer compactions under load, but more written at each start and each compaction
   * by `compactInterval`. An integer from 0 up to {@link MAX_JOURNAL_PREALLOCATE} (1 GiB; else
   * `ISO8583_ERR_CONNECTOR_OPTIONS` naming it); 0 is taken as 1: a journal file is never empty, so that an empty one is reported as damaged. Default
   * 4 MiB.
   */
  preallocate?: number;
  /**
   * Milliseconds between compactions while entries are being marked done; 0 = only by size. An integer from 0 to
   * 2147483647 (`MAX_TIMER_DELAY`: a longer timer would fire at once), else `ISO8583_ERR_CONNECTOR_OPTIONS` naming it.
   * Default 60000.
   */
  compactInterval?: number;
  /**
   * How many batch writes may be in flight at once (an integer, 1 to 64), each at its own offset, where the file is
   * opened with `O_DSYNC` (Linux, macOS; elsewhere always 1). 1 writes one batch at a time. Default 4.
   */
  concurrentWrites?: number;
  /**
   * The records at which a batch closes and its write starts at once, while fewer than `concurrentWrites` writes are
   * in flight (an integer, 1 to 65536); a batch holding fewer starts at the end of the turn of the event loop. Requests
   * released together (by one batch's write, or one read of responses) then go out in groups of this many rather than
   * all after one write: the next group's records are built while the first group's write is in flight, and the
   * callers stop moving in lockstep, one write at a time. Smaller means more writes (each costs CPU and a thread-pool
   * trip): 16 helped on a heavily loaded machine and cost CPU and throughput on a quieter disk (see the connector
   * README, "Breaking the lockstep"). Default 65536 (a batch per turn).
   */
  batchRecords?: number;
  /** Where warnings go (corrupt lines, a stale lock, a failed compaction). Default: a silent logger. */
  logger?: Logger;
}

/** The defaults of {@link FileJournalOptions}. */
const JOURNAL_DEFAULTS = { compactAt: 64 * 1024 * 1024, preallocate: 4 * 1024 * 1024, compactInterval: 60_000, concurrentWrites: 4, batchRecords: 65536 };

/**
 * The journal file's preallocation by default (4 MiB): the free space a start needs at least in the journal's folder,
 * for the file it compacts the journal into (the live records, then this many blank bytes) beside the old one.
 */
export const DEFAULT_JOURNAL_PREALLOCATE = JOURNAL_DEFAULTS.preallocate;

/**
 * The largest `preallocate` (1 GiB): written at each start and each compaction, and held in memory as views of one
 * shared buffer while written; a larger value (a typo, a size given in bits) would stall every start for minutes or
 * exhaust the process's memory, so it is refused with `ISO8583_ERR_CONNECTOR_OPTIONS` naming `preallocate`.
 */
export const MAX_JOURNAL_PREALLOCATE = 1024 * 1024 * 1024;

/** {@link FileJournalOptions} with every default applied. */
export type ResolvedJournalOptions = Required<FileJournalOptions>;

/** True when `value` is an integer from `min` to `max` (a number: a string such as `'60000'` is not). */
export function integerIn(value: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/**
 * The options with their defaults; one out of range (a number of the wrong kind, NaN, a string) is refused
 * (`ISO8583_ERR_CONNECTOR_OPTIONS` naming it); `concurrentWrites` is 1 where the file cannot be opened with `O_DSYNC`.
 */
export function resolveJournalOptions(options: FileJournalOptions): ResolvedJournalOptions {
  const concurrent = options.concurrentWrites ?? JOURNAL_DEFAULTS.concurrentWrites;
  if (!integerIn(concurrent, 1, 64)) {
    throw optionsError([{ field: 'concurrentWrites', code: 'range', reason: 'an integer from 1 to 64' }]);
  }
  const batchRecords = options.batchRecords ?? JOURNAL_DEFAULTS.batchRecords;
  if (!integerIn(batchRecords, 1, 65536)) {
    throw optionsError([{ field: 'batchRecords', code: 'range', reason: 'an integer from 1 to 65536' }]);
  }
  const compactAt = options.compactAt ?? JOURNAL_DEFAULTS.compactAt;
  if (!Number.isFinite(compactAt) || compactAt <= 0) {
    throw optionsError([{ field: 'compactAt', code: 'range', reason: 'a number of bytes above 0' }]);
  }
  const preallocate = options.preallocate ?? JOURNAL_DEFAULTS.preallocate;
  if (!integerIn(preallocate, 0, MAX_JOURNAL_PREALLOCATE)) {
    throw optionsError([{ field: 'preallocate', code: 'range', reason: `an integer number of bytes from 0 to ${MAX_JOURNAL_PREALLOCATE} (1 GiB)` }]);
  }
  const compactInterval = options.compactInterval ?? JOURNAL_DEFAULTS.compactInterval;
  if (!integerIn(compactInterval, 0, MAX_TIMER_DELAY)) {
    throw optionsError([{ field: 'compactInterval', code: 'range', reason: `an integer number of milliseconds from 0 to ${MAX_TIMER_DELAY}` }]);
  }
  return {
    batchRecords,
    compactAt,
    preallocate: Math.max(1, preallocate),
    compactInterval,
    concurrentWrites: SYNC_ON_WRITE === undefined ? 1 : concurrent,
    logger: options.logger ?? pino({ level: 'silent' }),
  };
}
