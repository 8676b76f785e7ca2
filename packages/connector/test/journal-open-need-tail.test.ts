// journalOpenNeed (the checks before a start: `gateway --check-config`, `run --check`, the stranded-journal check)
// reads a journal file as a restart does, up to its trailing blank run (journal-tail.ts): the preallocated tail (up to
// 1 GiB) is looked over a chunk at a time, never held. Measured in a process of its own: its peak resident memory
// grows by far less than the tail (read whole, it grew by the tail's size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { FileJournal, journalOpenNeed } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

const REVERSAL = { 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000001000', 41: 'TERM0001' };

test('journalOpenNeed of a journal with a 128 MiB preallocated tail does not hold the tail', async (t) => {
  const dir = tempDir(t, 'open-need-tail');
  const preallocate = 128 * 1024 * 1024;
  const journal = new FileJournal(dir, { preallocate, compactInterval: 0 });
  await journal.open();
  for (let i = 0; i < 3; i++) await journal.add({ id: `e${i}`, reversal: { ...REVERSAL, 11: String(i).padStart(6, '0') }, at: 1, attempts: 0 });
  await journal.close();
  const file = `${dir}/reversals.jsonl`;
  assert.equal(journalOpenNeed(file, 0).owed.entries, 3);
  const index = new URL('../src/index.js', import.meta.url).href;
  const script =
    `const { journalOpenNeed } = await import(${JSON.stringify(index)});` +
    `const before = process.resourceUsage().maxRSS;` +
    `const need = journalOpenNeed(${JSON.stringify(file)}, 0);` +
    `process.stdout.write(JSON.stringify({ entries: need.owed.entries, grewKiB: process.resourceUsage().maxRSS - before }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { entries: number; grewKiB: number };
  assert.equal(out.entries, 3);
  // A chunk of 1 MiB and the records; read whole, the 128 MiB tail (131072 KiB and more).
  assert.ok(out.grewKiB < 16 * 1024, `peak resident memory grew by ${out.grewKiB} KiB reading a journal with a 128 MiB blank tail`);
});
