// The file journal's clean close: the card data of answered requests does not stay in the file after it (one last
// compaction, as the `compactInterval` one would have run), while an owed reversal stays whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'iso8583-fjc-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// Test card numbers only: a Visa test PAN per request, so each one is found (or not) in the file by itself.
const PANS = ['4761739001010119', '4761739001010010', '4761739001010267', '4111111111111111'];
const entry = (i: number) => ({
  id: String(i + 1),
  at: 1,
  reversal: { '0': '0400', '2': PANS[i]!, '3': '000000', '4': '000000001000', '11': String(101 + i).padStart(6, '0') },
});

test('FileJournal – a clean close compacts: no PAN of an answered request stays in the file; an owed one stays whole', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d); // the default compactInterval (60 s): no tick comes during the test
  await j.open();
  await Promise.all([0, 1, 2, 3].map((i) => j.add(entry(i))));
  await Promise.all([j.done('1', 'not-needed'), j.done('2', 'not-needed'), j.done('3', 'not-needed')]);
  assert.ok(readFileSync(j.path, 'utf8').includes(PANS[0]!), 'before the close the answered PANs are in the file');
  await j.close();
  const text = readFileSync(j.path, 'utf8');
  for (const pan of PANS.slice(0, 3)) assert.ok(!text.includes(pan), `the answered request's PAN ${pan.slice(0, 6)}… left the file`);
  assert.equal(j.batches.compactions, 2, 'the compaction at open and the one at close');
  const again = new FileJournal(d);
  assert.deepEqual(await again.open(), [{ ...entry(3), attempts: 0 }], 'the owed reversal is whole after the close');
  await again.close();
});

test('FileJournal – a close with nothing marked done, or with compactInterval 0, does not compact again', async (t) => {
  for (const compactInterval of [60_000, 0]) {
    const d = dir(t);
    const j = new FileJournal(d, { compactInterval });
    await j.open();
    await j.add(entry(0));
    if (compactInterval === 0) await j.done('1', 'not-needed');
    await j.close();
    assert.equal(j.batches.compactions, 1, `only the compaction at open (compactInterval ${compactInterval})`);
  }
});

test('FileJournal – a close whose spare file could not be made does not compact (it would write the whole preallocated part in the stop)', async (t) => {
  const d = dir(t);
  // A folder where the spare file goes: it can never be made (EISDIR), each time warned.
  mkdirSync(join(d, 'reversals.jsonl.next'));
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(d, { preallocate: 1024 * 1024, logger });
  await j.open();
  await j.add(entry(0));
  await j.done('1', 'not-needed');
  await j.close();
  assert.equal(j.batches.compactions, 1, 'only the compaction at open');
  // Said at info: the answered records stay until the next open (never their content: no card data in the log).
  const told = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CLOSE_NOT_COMPACTED');
  assert.equal(told.length, 1);
  assert.equal(told[0]?.level, 30);
  assert.ok(!JSON.stringify(lines).includes(PANS[0]!), 'no PAN in the log');
  // The next open compacts the answered record away.
  const again = new FileJournal(d, { preallocate: 1024 * 1024 });
  assert.deepEqual(await again.open(), []);
  await again.close();
  assert.ok(!readFileSync(again.path, 'utf8').includes(PANS[0]!), 'the answered PAN left the file at the next open');
});

test('FileJournal – a close whose live entries would not fit the spare file by the compaction\'s rule does not compact (it would write the whole preallocated part in the stop)', async (t) => {
  const d = dir(t);
  const { logger, lines } = capturedLogger();
  // A spare of 4096 bytes; live entries of more than half of it: the compaction would not take the spare.
  const j = new FileJournal(d, { preallocate: 4096, logger });
  await j.open();
  const big = (i: number) => ({ ...entry(i % 4), id: `big${i}`, reversal: { ...entry(i % 4).reversal, '48': 'X'.repeat(200) } });
  await Promise.all(Array.from({ length: 12 }, (_, i) => j.add(big(i))));
  await j.done('big0', 'not-needed');
  await j.close();
  assert.equal(j.batches.compactions, 1, 'only the compaction at open');
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CLOSE_NOT_COMPACTED').length, 1);
});
