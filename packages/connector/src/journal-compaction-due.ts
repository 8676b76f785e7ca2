/**
 * When the running file journal compacts (journal-writes.ts starts a compaction, journal.ts runs it): the rules that
 * make one due, and the timers behind them.
 * - past `compactAt` once the file is also at least twice the live entries' text the last compaction wrote (it grew
 *   by at least as much again: the rule of Redis's `auto-aof-rewrite-percentage` 100 with `auto-aof-rewrite-min-size`):
 *   as soon as a batch that takes it there took effect, and again at once when the records carried over during a
 *   compaction took the new file there (a journal quiet from then on would keep them). Not past `compactAt` alone:
 *   when the open entries' own text is larger, every batch was then due again, and the journal rewrote every live
 *   record again and again; a journal of mostly open entries now grows, to at most twice their text;
 * - out of preallocated room while answered entries dominate (the live entries' text less than half the file);
 * - every `compactInterval` ms while entries are marked done; a tick that comes while a compaction runs (or its last
 *   step, or the recovery from a failed write) is kept: when records marked done took effect after that compaction's
 *   snapshot, the next one is due as soon as it ends, not a whole interval later;
 * - after a failed compaction, on a timer ({@link COMPACT_RETRY_FIRST}), not at the next batch: a full disk then
 *   failed (and logged) a compaction at every write.
 * A due compaction starts at the journal's next `pump` that may start one (none running, none waiting for its retry).
 */
/**
 * How long (ms) a failed compaction waits before it is tried again: 1 s, doubled at each failure in a row, at most
 * {@link COMPACT_RETRY_MAX}. Not at the next batch past `compactAt`: a full disk then failed (and logged) a compaction
 * at every write.
 */
export const COMPACT_RETRY_FIRST = 1000;

/** The longest wait (ms) before a failed compaction is tried again: 60 s. */
export const COMPACT_RETRY_MAX = 60_000;

/** When the journal's next compaction is due (see the module comment). */
export class CompactionDue {
  /** A compaction is due: the next `pump` that may start one does. */
  private due = false;
  /** After a failed compaction: none starts until it fires (then the one due does, journal quiet or not). */
  private retryTimer: NodeJS.Timeout | undefined;
  /** The wait before the next retry (ms): 0 after a compaction that succeeded, else doubled at each failure. */
  private retryDelay = 0;
  /** The `compactInterval` timer. */
  private interval: NodeJS.Timeout | undefined;
  /** The `done` records that took effect since the last compaction's snapshot. */
  private doneSinceCompaction = 0;
  /** The bytes of live entries' text the last compaction wrote (its snapshot): the file is due at twice it. */
  private liveAfterCompaction = 0;
  /** A `compactInterval` tick came since the running compaction's snapshot. */
  private tickedSinceSnapshot = false;

  constructor(
    /** The file size (bytes) past which it is compacted while running. */
    readonly compactAt: number,
    /** Milliseconds between compactions while entries are marked done (0 = off). */
    readonly compactInterval: number,
    /** Starts what can start now (the journal's `pump`): a due compaction among them. */
    private readonly wake: () => void,
  ) {}

  /** True when a compaction is due. */
  get isDue(): boolean {
    return this.due;
  }

  /** True while a failed compaction waits for its retry: none starts meanwhile. */
  get retrying(): boolean {
    return this.retryTimer !== undefined;
  }

  /** A compaction starts now: it is no longer due. */
  starting(): void {
    this.due = false;
  }

  /** Starts the `compactInterval` timer (at open, when not 0). */
  start(): void {
    if (this.compactInterval <= 0) return;
    this.interval = setInterval(() => this.compactIfDone(), this.compactInterval);
    this.interval.unref();
  }

  /** No compaction is due or tried again from now on (on close). */
  stop(): void {
    clearInterval(this.interval);
    this.interval = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.due = false;
  }

  /** A batch took effect, with `done` records among its records; `end` is where the next batch goes. */
  tookEffect(end: number, done: number): void {
    this.doneSinceCompaction += done;
    if (this.grownPast(end)) this.due = true;
  }

  /** A file whose records end at `end` is past `compactAt` and at least twice what the last compaction wrote. */
  private grownPast(end: number): boolean {
    return end > this.compactAt && end >= 2 * this.liveAfterCompaction;
  }

  /** The `done` records that took effect since the last compaction's snapshot (no side effect, unlike {@link snapshot}). */
  get doneSince(): number {
    return this.doneSinceCompaction;
  }

  /** A compaction's snapshot: what {@link compacted} is given back once its file is the journal. */
  snapshot(): number {
    this.tickedSinceSnapshot = false;
    return this.doneSinceCompaction;
  }

  /**
   * The compacted file is the journal (`doneBefore`: from {@link snapshot}; 0 at open): the records that took effect in
   * the old file no longer count, the snapshot's live entries' `text` bytes are the measure from now on. Due again at
   * once when the records carried over after them took the new file (`bytes`) past it (see {@link tookEffect}), or
   * when a `compactInterval` tick came meanwhile and records marked done were carried over.
   */
  compacted(doneBefore: number, bytes: number, text: number): void {
    this.doneSinceCompaction -= doneBefore;
    this.liveAfterCompaction = text;
    const ticked = this.tickedSinceSnapshot && this.doneSinceCompaction > 0;
    this.due = ticked || (bytes > text && this.grownPast(bytes));
  }

  /**
   * Out of preallocated room at `bytes`, the live entries' lines taking `live` bytes in a compacted file
   * (journal-live.ts `bytes`, counted as they change): whether a compaction is worth it (answered entries dominate: the
   * live entries' text is less than half the file). Not counted line by line here: that walked every live entry in one
   * turn (about 60 ms at 100,000) at every growth of a journal of mostly open entries (which grows rather than
   * compacts: see `tookEffect`).
   */
  worthOnGrowth(live: number, bytes: number): boolean {
    return live * 2 < bytes;
  }

  /** A compaction succeeded: the next failure waits {@link COMPACT_RETRY_FIRST} again. */
  succeeded(): void {
    this.retryDelay = 0;
  }

  /**
   * After a failed compaction: it is due again, in {@link COMPACT_RETRY_FIRST} ms doubled at each failure in a row (at
   * most {@link COMPACT_RETRY_MAX}); none starts meanwhile.
   */
  retryLater(): void {
    this.retryDelay = Math.min(COMPACT_RETRY_MAX, this.retryDelay === 0 ? COMPACT_RETRY_FIRST : this.retryDelay * 2);
    this.due = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  /**
   * At the `compactInterval` tick: due when entries were marked done since the last compaction. Also while one runs
   * or the journal recovers from a failed write: the compaction then starts once they end (and after a compaction only
   * when records marked done took effect after its snapshot: see {@link compacted}). A tick skipped then made those
   * records wait for the next one, up to two intervals after they took effect.
   */
  private compactIfDone(): void {
    if (this.doneSinceCompaction === 0) return;
    this.tickedSinceSnapshot = true;
    this.due = true;
    this.wake();
  }
}
