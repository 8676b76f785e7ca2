// journalOpenNeed: what a journal's open writes for an existing file while the old one is still there (its live
// records, compacted, then the preallocated part, and its bad lines to quarantine), the figure the start checks ask
// free space for. Checked against the file a real open writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, journalOpenNeed, owedInJournalSync } from '../src/index.js';

const REVERSAL = { 0: '0400', 2: '4111111111111111', 3: '000000', 4: '000000001000', 41: 'TERM0001' };

test('journalOpenNeed of a journal with live and ended entries is the size of the file the next open writes, and the preallocated part alone for none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-open-need-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reversals.jsonl');
  const preallocate = 64 * 1024;
  assert.deepEqual(journalOpenNeed(file, preallocate), { owed: { entries: 0, reversals: 0, damaged: 0, owed: 0 }, records: 0, preallocate, quarantine: 0, total: preallocate, reclaimed: 0 });
  const first = new FileJournal(dir, { preallocate, compactInterval: 0 });
  await first.open();
  await Promise.all(Array.from({ length: 300 }, (_, i) => first.add({ id: `e${i}`, reversal: { ...REVERSAL, 11: String(i).padStart(6, '0') }, at: 1, attempts: 0 })));
  await first.attempt('e7', 2);
  for (let i = 0; i < 100; i++) await first.done(`e${i}`, 'reversed');
  await first.close();
  const need = journalOpenNeed(file, preallocate);
  // The records of the 200 entries still live (the attempt folded into its add line): fewer bytes than the file's
  // records (its done and attempt lines, and the add lines of the ended ones).
  const held = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').join('\n').length;
  assert.ok(need.records > 0 && need.records < held, `records ${need.records} of ${held}`);
  assert.equal(need.quarantine, 0);
  assert.equal(need.total, need.records + preallocate);
  const second = new FileJournal(dir, { preallocate, compactInterval: 0 });
  const live = await second.open();
  const written = statSync(file).size;
  await second.close();
  assert.equal(live.length, 200);
  assert.equal(written, need.records + preallocate, 'the file the open wrote');
});

test('journalOpenNeed counts the bad lines the open copies to quarantine', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-open-need-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reversals.jsonl');
  const journal = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await journal.open();
  await journal.add({ id: 'a', reversal: REVERSAL, at: 1, attempts: 0 });
  await journal.close();
  appendFileSync(file, 'not a record\n');
  const need = journalOpenNeed(file, 4096);
  assert.equal(need.quarantine, 'not a record\n'.length);
  assert.equal(need.total, need.records + 4096 + need.quarantine);
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await again.open();
  await again.close();
  const kept = readdirSync(dir).find((n) => n.startsWith('reversals.jsonl.corrupt-')) as string;
  assert.equal(statSync(join(dir, kept)).size, need.quarantine);
});

test('journalOpenNeed counts a spare file a killed process left as reclaimed: the open removes it before it writes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-open-need-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reversals.jsonl');
  writeFileSync(`${file}.next`, '\n'.repeat(8192));
  assert.equal(journalOpenNeed(file, 4096).reclaimed, 8192);
});

test('journalOpenNeed says what the file owes as owedInJournalSync does (live reversals and advices, damaged adds): a check reads the file once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-open-need-owed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reversals.jsonl');
  const journal = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await journal.open();
  await journal.add({ id: 'r1', reversal: { ...REVERSAL, 11: '000001' }, at: 1, attempts: 0 });
  await journal.add({ id: 'r2', reversal: { ...REVERSAL, 11: '000002' }, at: 1, attempts: 0 });
  await journal.add({ id: 'a1', kind: 'advice', reversal: { ...REVERSAL, 0: '0220', 11: '000003' }, at: 1, attempts: 0 });
  await journal.done('r1', 'reversed');
  await journal.close();
  // A bit flipped in the amount of r2's add: whole, its checksum fails (a damaged add, maybe owed; not a crash cut).
  const bytes = readFileSync(file);
  const at = bytes.indexOf('000000001000', bytes.indexOf('"id":"r2"'));
  (bytes[at] as number) ^= 0x01;
  writeFileSync(file, bytes);
  const need = journalOpenNeed(file, 4096);
  assert.deepEqual(need.owed, { entries: 1, reversals: 0, damaged: 1, owed: 2 });
  assert.deepEqual(need.owed, owedInJournalSync(dir));
});
