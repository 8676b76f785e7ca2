/**
 * Many open entries in a file journal, for the tests of what a large journal does (its open in turns, a close while it
 * opens, a compaction in chunks): a test entry by id, added in batches of 512 at a time.
 */
import { FileJournal } from '../../src/index.js';
import type { JournalEntry } from '../../src/index.js';
import { tempDir } from './setup.js';
import type { AfterHook } from './setup.js';

/** A reversal entry `id` (test card number; its field 41 is the id). */
export const entry = (id: string): JournalEntry => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

/** Adds an entry for each of `ids` to `journal`, 512 appends in flight at a time. */
export async function addAll(journal: FileJournal, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 512) await Promise.all(ids.slice(i, i + 512).map((id) => journal.add(entry(id))));
}

/** A journal folder (a temp folder named after `prefix`) holding `count` open entries (e0, e1, ...), closed; their ids. */
export async function filledJournal(t: AfterHook, prefix: string, count: number): Promise<{ dir: string; ids: string[] }> {
  const dir = tempDir(t, prefix);
  const ids = Array.from({ length: count }, (_, i) => `e${i}`);
  const first = new FileJournal(dir, { compactInterval: 0 });
  await first.open();
  await addAll(first, ids);
  await first.close();
  return { dir, ids };
}
