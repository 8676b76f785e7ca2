/** A journal folder owing one reversal, as a run stopped before sending it leaves it (the stranded-journal tests). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';

/** A temporary folder named `iso8583-PREFIX-…`, removed after the test. */
export function folder(t: { after: (fn: () => void) => void }, prefix = 'stranded'): string {
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A journal in `dir` holding one reversal not yet sent (`done`: then ended, nothing left open). */
export async function journalWithReversal(dir: string, done = false): Promise<void> {
  const journal = new FileJournal(dir);
  await journal.open();
  const reversal = { 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '004242', 41: 'TERM0001', 90: '0200'.padEnd(42, '0') };
  await journal.add({ id: 'r1', reversal, at: 1, attempts: 0 });
  if (done) await journal.done('r1', 'reversed');
  await journal.close();
}
