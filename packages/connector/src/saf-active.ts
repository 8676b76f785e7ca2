/**
 * The SAF queue's entries being sent (saf-queue.ts `active`), by id, with what its figures read of them kept as they
 * change, so that a read (a metrics scrape, the console, `stats`, each `saf` event of a graceful stop) walks none of
 * them: how many are the connector's reversals, how many can move now (an attempt under way, waiting for a place in
 * flight: `waiting` unset), and the earliest `due` of those waiting for a timer (their next attempt or their
 * `messageInterval` slot). The queue's transitions keep it: an entry added (queued) or deleted (answered, given up,
 * released) through the map, and its timer set ({@link SafActive.wait}: a first attempt's delay, a retry's backoff, a
 * slot) or gone ({@link SafActive.go}: fired, or sent early by a flush or a connection up) through the two methods,
 * never by writing `waiting` and `due` directly.
 */
import type { Active } from './saf-entry.js';
import { DueHeap } from './due-heap.js';

/** The entries being sent, by id, and their figures (see the file's note). */
export class SafActive extends Map<string, Active> {
  /** The connector's reversals among the entries (the others are advices). */
  private reversalCount = 0;
  /** Entries with no timer (`waiting` unset): an attempt under way, or waiting for a place among those in flight. */
  private movingCount = 0;
  /** Entries waiting for a timer, by `due`. */
  private readonly timers = new DueHeap<Active>();
  /** Entries whose ending answer is being handled (its `followUp` under way): no other answer ends them again. */
  private readonly answering = new Set<Active>();

  /** The connector's reversals among the entries. */
  get reversals(): number {
    return this.reversalCount;
  }

  /** Entries that can move now: an attempt under way, or waiting for a place among those in flight (saf-window.ts). */
  get moving(): number {
    return this.movingCount;
  }

  /** The earliest `due` of the entries waiting for a timer (`performance.now()` time); Infinity when none waits. */
  get earliestTimer(): number {
    return this.timers.earliest;
  }

  override set(id: string, a: Active): this {
    const was = super.get(id);
    if (was !== undefined) this.forget(was);
    super.set(id, a);
    if (a.kind === 'reversal') this.reversalCount += 1;
    this.place(a);
    return this;
  }

  /**
   * True while `a` is being sent: held (not ended), and not ending ({@link ending}). An answer to one of its attempts
   * that comes otherwise (a late one took its place, saf-late.ts) changes nothing: one outcome.
   */
  open(a: Active): boolean {
    return this.holds(a) && !this.answering.has(a);
  }

  /** `a`'s ending answer is being handled (`true`), or no more (`false`: it goes on as another message, or it ended). */
  ending(a: Active, now: boolean): void {
    if (now) this.answering.add(a);
    else this.answering.delete(a);
  }

  override delete(id: string): boolean {
    const a = super.get(id);
    if (a === undefined) return false;
    this.answering.delete(a);
    this.forget(a);
    return super.delete(id);
  }

  override clear(): void {
    for (const a of super.values()) this.forget(a);
    super.clear();
  }

  /** `a` waits for its timer, due at `due` (`performance.now()` time): its next attempt, or its `messageInterval` slot. */
  wait(a: Active, waiting: 'attempt' | 'slot', due: number): void {
    const held = this.holds(a);
    if (held) this.unplace(a);
    a.waiting = waiting;
    a.due = due;
    if (held) this.place(a);
  }

  /** `a` waits for its timer no more (it fired, or the entry is sent early): it can move now. */
  go(a: Active): void {
    const held = this.holds(a);
    if (held) this.unplace(a);
    a.waiting = undefined;
    if (held) this.place(a);
  }

  /** Whether `a` is the entry held under its id (one deleted, or replaced, is not counted). */
  private holds(a: Active): boolean {
    return super.get(a.entry.id) === a;
  }

  private forget(a: Active): void {
    if (a.kind === 'reversal') this.reversalCount -= 1;
    this.unplace(a);
  }

  private place(a: Active): void {
    if (a.waiting === undefined) this.movingCount += 1;
    else this.timers.set(a, a.due);
  }

  private unplace(a: Active): void {
    if (a.waiting === undefined) this.movingCount -= 1;
    else this.timers.delete(a);
  }
}
