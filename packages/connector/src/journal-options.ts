/**
 * The options of the file journal (journal.ts), their defaults in one place, and their check: what the constructor
 * accepts before any file is touched.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import { optionsError } from './errors.js';
import { SYNC_ON_WRITE } from './durable-file.js';

/** Options of `FileJournal`. */
export interface FileJournalOptions {
  /** The file size (bytes) past which it is compacted while running. Default 64 MiB. */
  compactAt?: number;
  /**
   * How far (bytes) the file is preallocated ahead of its records, and the size of the spare file made ahead for the
   * next compaction: about 10,000 purchases (add + done) per 4 MiB go between two compactions while under load, each
   * costing about 3.5 ms of CPU plus 0.35 ms per MiB, and holding the appends for its renames and fsyncs (3-25 ms on
   * the test machine). Larger means fewer compactions under load, but more written at each start and each compaction
   * by `compactInterval`. Default 4 MiB.
   */
  preallocate?: number;
  /** Milliseconds between compactions while entries are being marked done; 0 = only by size. Default 60000. */
  compactInterval?: number;
  /**
   * How many batch writes may be in flight at once (an integer, 1 to 64), each at its own offset, where the file is
   * opened with `O_DSYNC` (Linux, macOS; elsewhere always 1). 1 writes one batch at a time. Default 4.
   */
  concurrentWrites?: number;
  /** Where warnings go (corrupt lines, a stale lock, a failed compaction). Default: a silent logger. */
  logger?: Logger;
}

/** The defaults of {@link FileJournalOptions}. */
const JOURNAL_DEFAULTS = { compactAt: 64 * 1024 * 1024, preallocate: 4 * 1024 * 1024, compactInterval: 60_000, concurrentWrites: 4 };

/** {@link FileJournalOptions} with every default applied. */
export type ResolvedJournalOptions = Required<FileJournalOptions>;

/**
 * The options with their defaults; `concurrentWrites` out of range is refused (`ISO8583_ERR_CONNECTOR_OPTIONS` naming
 * it), and is 1 where the file cannot be opened with `O_DSYNC`.
 */
export function resolveJournalOptions(options: FileJournalOptions): ResolvedJournalOptions {
  const concurrent = options.concurrentWrites ?? JOURNAL_DEFAULTS.concurrentWrites;
  if (!Number.isInteger(concurrent) || concurrent < 1 || concurrent > 64) {
    throw optionsError([{ field: 'concurrentWrites', code: 'range', reason: 'an integer from 1 to 64' }]);
  }
  return {
    compactAt: options.compactAt ?? JOURNAL_DEFAULTS.compactAt,
    preallocate: options.preallocate ?? JOURNAL_DEFAULTS.preallocate,
    compactInterval: options.compactInterval ?? JOURNAL_DEFAULTS.compactInterval,
    concurrentWrites: SYNC_ON_WRITE === undefined ? 1 : concurrent,
    logger: options.logger ?? pino({ level: 'silent' }),
  };
}
