/**
 * What the SAF queue (saf-queue.ts) reports of the entries it holds and that have not ended: how many (the SAF depth),
 * the connector's reversals among them, how many are held in memory only, and when the next thing may happen to one.
 * Such an entry is in one of four places: to be queued (read back at a start or taken over, saf-backlog.ts), being sent
 * (the queue's `active`), handed in after a stop (`left`: only counted here), or ended with its `done` on its way to
 * the journal (saf-ends.ts). What a stop reports is read here: every entry the journal holds open is counted once.
 * Each read is O(1): what is read of the entries being sent is kept by the queue's transitions (saf-active.ts), of the
 * ends waiting for their `done` as they change (saf-ends.ts), and of those handed in after a stop here.
 */
import { performance } from 'node:perf_hooks';
import type { JournalEntry, ReversalJournal } from './saf-store.js';
import { SafKinds } from './saf-kinds.js';
import type { SafActive } from './saf-active.js';
import type { SafBacklog } from './saf-backlog.js';
import type { SafCounts, SafEnds } from './saf-ends.js';

/** The places of the queue's entries, read by {@link SafFigures}. */
export interface SafPlaces {
  readonly backlog: SafBacklog;
  readonly active: SafActive;
  readonly ends: SafEnds;
  readonly journal: ReversalJournal;
}

/** The figures of a SAF queue (see the file's note). */
export class SafFigures {
  /**
   * Entries journaled and handed to the queue after its stop (a request at the host when its connector was destroyed:
   * its failure triggers the reversal the journal holds), by kind: not sent by this process, left for the next start,
   * and counted with the entries not yet ended so that the figures a stop reports say what the journal holds.
   */
  private readonly left = new SafKinds();

  constructor(private readonly places: SafPlaces) {}

  /** Counts `entry`, handed in after the stop (see `left`). */
  keep(entry: JournalEntry): void {
    this.left.set(entry.id, entry.kind ?? 'reversal');
  }

  /** Entries not yet ended (to be queued, being sent, or whose end waits for its `done`): the SAF depth. */
  get depth(): number {
    const p = this.places;
    return p.backlog.size + p.active.size + this.left.size + p.ends.unended.entries;
  }

  /**
   * Entries waiting held in memory only: all of them once the journal's records are lost (`halted().recordsLost`: its
   * file removed or replaced), none while it keeps them (a full disk, its lock removed): the next start sends those;
   * and the reversals whose reopen is not stored yet ({@link notStored}).
   */
  get notDurable(): number {
    const p = this.places;
    return (p.journal.halted?.()?.recordsLost === true ? p.backlog.size + p.active.size + this.left.size : 0) + this.notStored;
  }

  /**
   * Reversals owed whose reopen the store has not taken yet (`ReversalJournal.notStored`: a response whose `done` may
   * have committed unseen, reversed instead): counted in {@link notDurable} too; left at a stop, NOT in the store.
   */
  get notStored(): number {
    return this.places.journal.notStored?.() ?? 0;
  }

  /** Entries that ended in memory, their end refused by the journal and still open in its file (saf-ends.ts). */
  get unrecorded(): number {
    return this.places.ends.unrecorded;
  }

  /** The connector's reversals among the entries not yet ended. */
  get reversals(): number {
    const p = this.places;
    return p.ends.unended.reversals + p.backlog.reversals + p.active.reversals + this.left.reversals;
  }

  /** How entries ended since the start. */
  get ended(): SafCounts {
    return this.places.ends.ended;
  }

  /**
   * When the next thing may happen to an entry not yet ended (ms since the epoch): now while entries are to be queued
   * (unless `stopped`), or an attempt is under way or waits for a place among those in flight (saf-window.ts), or the
   * `done` of an ended entry is being written; the earliest time an entry waiting for an attempt or its
   * `messageInterval` slot is due (its expiry if sooner); the next try of a `done` that failed (a store out of reach:
   * `retryInterval` after it, see {@link SafEnds.nextDue}); Infinity when nothing more can happen to those held (a
   * `done` not tried again); `undefined` when the queue holds none. What a graceful stop reads to end once nothing can
   * happen before its deadline, on each of its events, and a metrics scrape or the console on each of theirs: so no
   * entry is walked (the entries that can move now are counted, the earliest timer kept: saf-active.ts; the ends' kept
   * likewise: saf-ends.ts), and the ends' are read only when no entry is due.
   */
  nextDue(stopped: boolean): number | undefined {
    const wait = this.dueIn(stopped, performance.now());
    return wait === undefined ? undefined : Date.now() + wait;
  }

  /**
   * {@link nextDue} as milliseconds from `now` (`performance.now()` time): 0 when something can happen now, Infinity
   * when nothing more can, `undefined` when the queue holds none.
   */
  dueIn(stopped: boolean, now: number): number | undefined {
    const { backlog, active, ends } = this.places;
    if (active.size === 0 && ends.unended.entries === 0 && backlog.size === 0) return undefined;
    if (backlog.size > 0 && !stopped) return 0;
    if (active.moving > 0) return 0;
    let due = active.earliestTimer;
    if (due <= now) return 0;
    due = Math.min(due, ends.nextDue(now));
    return Math.max(0, due - now);
  }
}
