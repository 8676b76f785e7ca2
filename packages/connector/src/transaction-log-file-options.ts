/**
 * The options of the file transaction log (transaction-log-file.ts) and their defaults, in one place.
 */
import type { Logger } from 'pino';

/** Options of `FileTransactionLog`. */
export interface FileTransactionLogOptions {
  /** Where warnings and write failures go. Default: a silent logger (the recorder then logs a failed batch itself). */
  logger?: Logger;
  /** Query only: no lock, no folder made, `record` and `prune` refused (to read the folder of a running gateway). Default `false`. */
  readOnly?: boolean;
  /** Milliseconds records wait to be written together (0: the end of the event loop turn). Default 10. */
  flushDelay?: number;
  /** Milliseconds between fdatasyncs of the files written (0: after every batch, before its promise resolves). Default 1000. */
  syncInterval?: number;
}

/** The defaults of {@link FileTransactionLogOptions}. */
export const DEFAULTS = { flushDelay: 10, syncInterval: 1000 };
