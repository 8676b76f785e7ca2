/**
 * Group commit for a store reached over the network: the records handed over in the same turn of the event loop are
 * gathered until `setImmediate` and go to the database in one statement; those handed over while a statement is
 * running wait for it and go together in the next one. Each record's promise settles once the statement that carries
 * it has committed (or failed).
 */

/** What a statement did with each record of its batch: `undefined` (committed) or the record's own error. */
export type BatchResult = readonly (Error | undefined)[];

interface Queued<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

/** One kind of record, batched. */
export class Batcher<T> {
  private queued: Queued<T>[] = [];
  private running = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Statements run so far and the records they carried (records / statements = the group commit factor). */
  readonly counts = { statements: 0, records: 0 };

  constructor(
    /** Runs one statement for a batch; rejects when the whole statement failed. */
    private readonly run: (items: T[]) => Promise<BatchResult>,
  ) {}

  /** Hands a record over; resolves once committed. */
  push(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      this.counts.statements += 1;
      this.counts.records += batch.length;
      try {
        const results = await this.run(batch.map((q) => q.item));
        batch.forEach((q, i) => {
          const err = results[i];
          if (err === undefined) q.resolve();
          else q.reject(err);
        });
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
