/**
 * A batch of the file transaction log (transaction-log-file.ts): the records given while the previous batch was being
 * written or within `flushDelay` ms, by day file, and the one promise their callers get. The connector does not await
 * `record`: every promise here is marked handled, so that a failed batch or a refused record never crashes the process.
 */
import type { LineBuffer } from './line-buffer.js';

/** The records of one batch, by day, and the promise that settles once they are written. */
export class Batch {
  readonly days = new Map<string, LineBuffer>();
  count = 0;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Marked handled: a caller who does not wait for it must not crash the process when a batch fails.
    this.done.catch(() => undefined);
  }
}

/** A rejected promise, marked handled (the connector does not wait for `record`). */
export function refused(err: unknown): Promise<never> {
  const promise = Promise.reject(err as Error);
  promise.catch(() => undefined);
  return promise;
}
