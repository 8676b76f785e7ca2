/**
 * The file journal as the tests of its reversals answered `25` (undid nothing) and of their retirement drive it: a
 * journal opened with entries, an entry ended with `25`, and what the next start finds in the folder.
 */
import { FileJournal } from '../../src/index.js';
import type { FileJournalOptions, JournalEntry } from '../../src/index.js';
import { tempDir } from './setup.js';

/** An open journal in a new folder `name` (closed after the test) with the entries `entries` added. */
export async function openedJournal(
  t: { after(fn: () => Promise<void>): void },
  name: string,
  entries: readonly JournalEntry[],
  options: FileJournalOptions = {},
): Promise<{ dir: string; journal: FileJournal }> {
  const dir = tempDir(t, name);
  const journal = new FileJournal(dir, options);
  t.after(() => journal.close());
  await journal.open();
  for (const e of entries) await journal.add(e);
  return { dir, journal };
}

/** Ends the reversal entry `id` with `25` (noted, its `done` appended now; the promise returned). */
export function endedUndidNothing(journal: FileJournal, id: string): Promise<void> {
  journal.overtakenEnd(id, { rc: '25', since: Date.now() - 1_000 });
  return journal.done(id, 'reversed');
}

/**
 * The entries a start finds in the journal in `dir` (opened with `options`, then closed again, as the next process
 * would), each as `as` writes it (`id/MTI/STAN`, say). Its log lines go to `options.logger` (default: none kept).
 */
export async function leftIn(dir: string, as: (entry: JournalEntry) => string, options: FileJournalOptions = {}): Promise<string[]> {
  const journal = new FileJournal(dir, options);
  const left = await journal.open();
  await journal.close();
  return left.map(as);
}
