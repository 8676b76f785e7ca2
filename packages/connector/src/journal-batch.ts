/**
 * One group-commit batch of the file journal: the lines appended in one gathering (one turn of the event loop, or
 * while the writes before it were in flight), joined into one text and written with one write, and the changes they
 * make to the in-memory state once that write is durable. Every append of a batch shares the batch's one promise
 * (no promise, closure or copy per record): it resolves when the batch's write returned (durable), after its changes
 * were applied, and rejects with the batch's error otherwise.
 */
import type { FileHandle } from 'node:fs/promises';
import { SYNC_ON_WRITE, newlines, writeAll } from './durable-file.js';
import type { JournalEntry } from './saf-store.js';

/** An attempt record's change: entry `id` reached attempt `attempt`. */
interface AttemptChange {
  id: string;
  attempt: number;
}

/**
 * A change to the live entries once durable: an entry (its `add`), an id (its `done`), or an attempt. Kept as plain
 * values rather than closures: the batch applies them in order with one switch.
 */
export type Change = JournalEntry | string | AttemptChange;

/** Where a batch is. */
export type BatchState = 'gathering' | 'writing' | 'written' | 'failed';

/** A batch of journal records (see the module comment). */
export class Batch {
  /** The records' lines, each ended by a newline. */
  text = '';
  /** What each record changes, in order. */
  readonly changes: Change[] = [];
  state: BatchState = 'gathering';
  /** Where its bytes go (assigned when its write starts), where they end, and up to where blank lines follow them. */
  at = 0;
  end = 0;
  padTo = 0;
  /** When its write started (`performance.now()`), for the write latency figures. */
  started = 0;
  /** Why its write failed, and up to where its bytes may have reached the file (the file's size, at most `padTo`). */
  error: unknown;
  reached = 0;
  /** The promise every append of this batch returns. */
  readonly promise: Promise<void>;
  private resolveAll!: () => void;
  private rejectAll!: (err: unknown) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveAll = resolve;
      this.rejectAll = reject;
    });
    // A batch nobody awaits any more (its callers gone) must not become an unhandled rejection; callers still see it.
    this.promise.catch(() => undefined);
  }

  /** Records in the batch. */
  get size(): number {
    return this.changes.length;
  }

  /** Adds a record: its line and its change. Returns the batch's promise. */
  push(line: string, change: Change): Promise<void> {
    this.text += line + '\n';
    this.changes.push(change);
    return this.promise;
  }

  /** Applies the changes to `live` in order (the records are durable), then resolves every append. Returns its `done` records. */
  commit(live: Map<string, JournalEntry>): number {
    let done = 0;
    for (const change of this.changes) {
      if (typeof change === 'string') {
        live.delete(change);
        done += 1;
      } else if ('reversal' in change) {
        live.set(change.id, change);
      } else {
        const entry = live.get(change.id);
        if (entry !== undefined) entry.attempts = Math.max(entry.attempts ?? 0, change.attempt);
      }
    }
    this.resolveAll();
    return done;
  }

  /**
   * Writes the batch at its offset, with blank lines after it up to `padTo` (over a failed batch's bytes, and over a
   * new preallocated part when the records outgrow the file), then (without `O_DSYNC`) fdatasyncs. Never rejects: the
   * state says how it went (`written` or `failed`), and `reached` how far its bytes may have gone when it failed.
   */
  async write(handle: FileHandle, text: Buffer): Promise<void> {
    try {
      await writeAll(handle, text, this.at);
      if (this.padTo > this.end) await writeAll(handle, newlines(this.padTo - this.end), this.end);
      // With O_DSYNC every write above returned once durable: an fsync would only repeat them.
      if (SYNC_ON_WRITE === undefined) await handle.datasync();
      this.state = 'written';
    } catch (err) {
      this.error = err;
      // Some of it may be on disk, up to the file's size.
      this.reached = await handle.stat().then(
        (s) => Math.min(this.padTo, s.size),
        () => this.padTo,
      );
      this.state = 'failed';
    }
  }

  /** Rejects every append with `err` (nothing of the batch takes effect). */
  fail(err: unknown): void {
    this.rejectAll(err);
  }
}

/** Overwrites with blank lines whatever failed batches may have left in the file (durably). */
export async function blankFailed(handle: FileHandle, failed: readonly Batch[]): Promise<void> {
  for (const b of failed) if (b.reached > b.at) await writeAll(handle, newlines(b.reached - b.at), b.at);
  if (SYNC_ON_WRITE === undefined) await handle.datasync();
}

/** The journal's write figures since it was made (see `FileJournal.writeStats`). */
export interface JournalWriteStats {
  /** Batch writes that returned (durable). */
  writes: number;
  /** Their summed latency, from the start of the write to its return (ms). */
  totalMs: number;
  /** The longest of them (ms). */
  maxMs: number;
  /** The most batch writes that were in flight at once. */
  maxInFlight: number;
}
