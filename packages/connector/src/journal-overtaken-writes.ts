/**
 * The file journal's writes that keep the reversals answered with a code that undid nothing (journal-overtaken.ts says
 * why and how): an `add` that retires a kept record of its transaction, the `done` that keeps one (noted just before
 * it) or retires those of its booking, and the batches that take effect telling the records kept. Between the writes
 * (journal-writes.ts) and the journal (journal.ts `FileJournal`, which also compacts the records kept).
 */
import { addLine, flat } from './journal-record.js';
import type { ResolvedJournalOptions } from './journal-options.js';
import { JournalWrites } from './journal-writes.js';
import type { Batch } from './journal-batch.js';
import { OvertakenKept } from './journal-overtaken.js';
import type { KeptEnd, UndidNothing } from './journal-overtaken.js';
import type { JournalEntry, JournalOutcome } from './saf-store.js';
import type { OvertakenDrops } from './reversal-overtaken-drops.js';

/** The journal's writes with the records of reversals that undid nothing (see the file's note). */
export abstract class OvertakenWrites extends JournalWrites {
  /** The reversals that undid nothing, kept on disk while their original may still be approved (journal-overtaken.ts). */
  protected readonly overtaken: OvertakenKept;

  protected constructor(path: string, o: ResolvedJournalOptions) {
    super(path, o);
    this.overtaken = new OvertakenKept(this.logger);
  }

  /** See `ReversalJournal.overtakenDropsTo`: the records dropped past the cap are told to `drops`. */
  overtakenDropsTo(drops: Pick<OvertakenDrops, 'dropped'>): void {
    this.overtaken.drops = drops;
  }

  /**
   * Adds an entry (see `ReversalJournal.add`); an id live already (its add durable) is taken as this add: nothing is
   * written, and it resolves at once. Its own failed add never leaves an id live (its bytes are blanked, or the journal
   * stops), but a store that wraps it may report an add failed after it took effect here, and the connector adds that
   * entry again (reversal-again.ts): it is this node's, so it resolves as an add (`'exists'` would leave it unsent).
   */
  add(entry: JournalEntry): Promise<void> {
    if (this.live.get(entry.id) !== undefined && this.handle !== undefined && !this.closed && this.stopped === undefined) return Promise.resolve();
    // The line is the entry from now on (a later change to the caller's object changes nothing here).
    const line = flat(addLine(entry));
    const added = this.append(line, entry.id, line);
    if (this.overtaken.size === 0) return added;
    // A repeat of a reversal of a transaction whose reversal undid nothing: stored after it (journal-overtaken.ts).
    const reversal = entry.reversal;
    return added.then(() => this.overtaken.retire(reversal));
  }

  /**
   * The end of entry `id`, about to be journaled (its `done` follows), is a reversal answered with a code that undid
   * nothing (`end`: that code, and when it was first answered so): its `done` record keeps both, and the compactions
   * keep its records while its original may still be approved, so that a start after a crash stores a repeat of it
   * (journal-overtaken.ts).
   */
  overtakenEnd(id: string, end: UndidNothing): void {
    this.overtaken.note(id, end, this.live.get(id));
  }

  /**
   * The ends of reversals that undid nothing the journal keeps now (their window open; at most `OVERTAKEN_MAX`): the
   * repeats the next start stores (no card data). What a stop counts as left (reversal-host.ts `keptAtStop`).
   */
  overtakenKept(): KeptEnd[] {
    return this.overtaken.ends(Date.now());
  }

  /**
   * The original of entry `entry` was approved in time (its `done` follows): that `done` record retires a kept reversal
   * of its transaction that undid nothing (see `ReversalJournal.retireOvertaken`, journal-overtaken.ts).
   */
  retireOvertaken(entry: JournalEntry): void {
    this.overtaken.retiring(entry);
  }

  done(id: string, outcome: JournalOutcome): Promise<void> {
    // A 25's end written again (its write failed) waits for a retirement of it being written (journal-overtaken.ts).
    const first = this.overtaken.retiredFirst(id);
    if (first !== undefined) return first.then(() => this.done(id, outcome));
    // Ended by a retiring record that took effect: durable already (journal-overtaken.ts `endedByRetirement`).
    if (this.overtaken.endedByRetirement(id)) return Promise.resolve();
    const done = this.append(this.overtaken.doneLine(id, outcome, Date.now()), id, undefined);
    this.overtaken.endWritten(id, done, () => !this.closed && this.stopped === undefined);
    // A retirement whose `done` failed (its record never read back) retires nothing later (journal-overtaken.ts).
    return this.overtaken.retires(id) ? this.overtaken.releasing(id, done) : done;
  }

  /** A written batch takes effect: the ends it records of reversals that undid nothing are kept first (their `add` lines still live). */
  protected override commit(batch: Batch): void {
    this.overtaken.committed(batch.ids, batch.changes, this.live);
    super.commit(batch);
  }
}
