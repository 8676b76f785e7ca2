// The file journal's size and timer options are checked when it is made: a value out of range (NaN, a negative
// number, a string, an interval past what a Node.js timer honours) is refused with ISO8583_ERR_CONNECTOR_OPTIONS
// naming the option, rather than taken (a 30-day interval overflowed to 1 ms: a compaction at every purchase; a NaN
// preallocation made an empty file, reported as damaged at the next start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, MAX_JOURNAL_PREALLOCATE, MAX_TIMER_DELAY } from '../src/index.js';
import type { FileJournalOptions } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

function refused(options: FileJournalOptions, field: string): void {
  assert.throws(
    () => new FileJournal('/nonexistent', options),
    (err: { code?: string; message?: string; problems?: { field: string }[] }) =>
      err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.problems?.[0]?.field === field && err.message?.includes(field) === true,
    `${field}: ${String(Object.values(options)[0])}`,
  );
}

test('FileJournal – compactInterval past MAX_TIMER_DELAY, negative, NaN, fractional or a string is refused naming it', () => {
  for (const bad of [MAX_TIMER_DELAY + 1, 30 * 24 * 3600 * 1000, -1, NaN, Infinity, 0.5, '60000' as unknown as number]) {
    refused({ compactInterval: bad }, 'compactInterval');
  }
  for (const good of [0, 1, 60_000, MAX_TIMER_DELAY]) assert.equal(new FileJournal('/nonexistent', { compactInterval: good }).compactInterval, good);
});

test('FileJournal – compactAt of 0, negative, NaN, Infinity or a string is refused naming it', () => {
  for (const bad of [0, -1, NaN, Infinity, '64' as unknown as number]) refused({ compactAt: bad }, 'compactAt');
  new FileJournal('/nonexistent', { compactAt: 1 });
});

test('FileJournal – preallocate negative, NaN, fractional, a string or past MAX_JOURNAL_PREALLOCATE (1 GiB) is refused naming it', () => {
  for (const bad of [-1, NaN, Infinity, 1.5, Number('4MiB'), '4096' as unknown as number, MAX_JOURNAL_PREALLOCATE + 1, Number.MAX_SAFE_INTEGER]) {
    refused({ preallocate: bad }, 'preallocate');
  }
  for (const good of [0, 4096, MAX_JOURNAL_PREALLOCATE]) new FileJournal('/nonexistent', { preallocate: good });
});

test('FileJournal – preallocate 0 is taken as 1: the file is never empty', async (t) => {
  const dir = tempDir(t, 'options');
  const journal = new FileJournal(dir, { preallocate: 0 });
  await journal.open();
  await journal.close();
  assert.equal(statSync(join(dir, 'reversals.jsonl')).size, 1);
});
