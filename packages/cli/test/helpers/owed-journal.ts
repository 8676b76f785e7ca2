/** A journal folder owing one reversal, as a run stopped before sending it leaves it (the stranded-journal tests). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';

/** A temporary folder named `iso8583-PREFIX-…`, removed after the test. */
export function folder(t: { after: (fn: () => void) => void }, prefix = 'stranded'): string {
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A reversal of STAN `stan` (a test card number). */
const reversalOf = (stan: string) => ({ 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: stan, 41: 'TERM0001', 90: '0200'.padEnd(42, '0') });

/** A journal in `dir` holding one reversal not yet sent (`done`: then ended, nothing left open). */
export async function journalWithReversal(dir: string, done = false): Promise<void> {
  const journal = new FileJournal(dir);
  await journal.open();
  await journal.add({ id: 'r1', reversal: reversalOf('004242'), at: 1, attempts: 0 });
  if (done) await journal.done('r1', 'reversed');
  await journal.close();
}

/**
 * A journal in `dir` holding one reversal not yet sent (`r1`) and one damaged `add` (`r2`: a bit of its amount and its
 * closing brace flipped, not a crash cut, no `done` of it in the file): 1 entry owed, and 1 damaged entry maybe owed.
 */
export async function journalWithDamagedAdd(dir: string): Promise<void> {
  const journal = new FileJournal(dir);
  await journal.open();
  await journal.add({ id: 'r1', reversal: reversalOf('004242'), at: 1, attempts: 0 });
  await journal.add({ id: 'r2', reversal: reversalOf('004243'), at: 2, attempts: 0 });
  await journal.close();
  const file = join(dir, 'reversals.jsonl');
  const data = readFileSync(file);
  const start = data.indexOf(0x0a) + 1;
  const end = data.indexOf(0x0a, start);
  (data[data.indexOf('"4":"000000001000"', start) + 10] as number) ^= 0x01;
  (data[end - 1] as number) ^= 0x01;
  writeFileSync(file, data);
}
