// A store that takes no JSON text (as the PostgreSQL store, or a store of a caller's): a file journal behind the
// store's five methods, without `addJson`. Tests extend it to make one of them fail.
import type { FileJournal, JournalEntry, JournalOutcome, ReversalJournal } from '../../src/index.js';

/** A file journal seen through `ReversalJournal` only (no `addJson`): each method hands over to it. */
export class ObjectStore implements ReversalJournal {
  constructor(protected readonly journal: FileJournal) {}
  open(): Promise<JournalEntry[]> {
    return this.journal.open();
  }
  add(entry: JournalEntry): Promise<void> {
    return this.journal.add(entry);
  }
  attempt(id: string, attempt: number): Promise<void | number> {
    return this.journal.attempt(id, attempt);
  }
  done(id: string, outcome: JournalOutcome): Promise<void> {
    return this.journal.done(id, outcome);
  }
  close(): Promise<void> {
    return this.journal.close();
  }
}
