// The journal's next file made ahead: a compaction writes only the live entries into it instead of writing and
// fsyncing the whole preallocated part while appends wait; a crash never makes it count; close removes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import type { SpareFile } from '../src/journal-spare.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const PREALLOCATE = 8192;

function entry(id: string): JournalEntry {
  return { id, at: Date.now(), reversal: { '0': '0400', '11': id.padStart(6, '0'), '41': 'TERM0001', '4': '000000001000' } };
}

/** The journal's spare file (white box: when it is ready is not part of the API). */
function spareOf(journal: FileJournal): SpareFile {
  return (journal as unknown as { spare: SpareFile }).spare;
}

test('after open the next file is made ahead: blank lines of the preallocated size, mode 0600; close removes it', async (t) => {
  const dir = tempDir(t, 'spare');
  const journal = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  await journal.open();
  assert.equal(await spareOf(journal).whenReady(), true);
  const next = join(dir, 'reversals.jsonl.next');
  assert.equal(statSync(next).size, PREALLOCATE);
  assert.equal(statSync(next).mode & 0o777, 0o600);
  assert.match(readFileSync(next, 'latin1'), /^\n+$/);
  await journal.close();
  assert.deepEqual(readdirSync(dir), ['reversals.jsonl']);
});

test('a compaction goes into the file made ahead: the live entries, the size of the spare, the answered ones gone', async (t) => {
  const dir = tempDir(t, 'spare');
  // Compacted once the records pass 4 KiB.
  const journal = new FileJournal(dir, { preallocate: PREALLOCATE, compactAt: 4096, compactInterval: 0 });
  await journal.open();
  assert.equal(await spareOf(journal).whenReady(), true);
  const compacted = once(journal, 'compact') as Promise<[{ live: number; bytes: number; spare: boolean }]>;
  await journal.add(entry('1'));
  let count = 1;
  for (let i = 2; journal.batches.compactions < 2; i++) {
    count += 1;
    await journal.add(entry(String(i)));
    await journal.done(String(i), 'not-needed');
  }
  const [event] = await compacted;
  assert.equal(event.spare, true, 'the compaction used the file made ahead');
  // Live then: '1', and perhaps the entry whose add was in the batch that set the compaction off (its done came after).
  assert.ok(event.live === 1 || event.live === 2, `live at the compaction: ${event.live}`);
  const file = join(dir, 'reversals.jsonl');
  assert.equal(statSync(file).size, PREALLOCATE, 'the journal is the spare file, grown by nothing');
  const records = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { op: string; id: string });
  const adds = records.filter((r) => r.op === 'add');
  assert.equal(adds[0]?.id, '1');
  // The entries answered before the compaction are gone; those added and answered while it ran were carried over
  // after the live ones (add then done), as were any added after it.
  const done = new Set(records.filter((r) => r.op === 'done').map((r) => r.id));
  assert.ok(adds.filter((a) => !done.has(a.id)).length <= 2, 'only the live entries are open');
  // '2' was answered long before the records passed 4 KiB.
  assert.ok(!adds.some((a) => a.id === '2') && adds.length < count, `the answered entries are gone (${adds.length} adds of ${count})`);
  // The next one is being made again, and the journal goes on.
  assert.equal(await spareOf(journal).whenReady(), true);
  await journal.add(entry('900'));
  await journal.close();
  const again = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['1', '900']);
  await again.close();
});

test('a spare file left by a crash (even holding records) is never read: the journal is what counts', async (t) => {
  const dir = tempDir(t, 'spare');
  const first = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  await first.open();
  await first.add(entry('7'));
  await first.close();
  // A crash in a compaction between writing the live entries into the spare and the rename.
  writeFileSync(join(dir, 'reversals.jsonl.next'), JSON.stringify({ op: 'add', ...entry('666') }) + '\n');
  const journal = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  assert.deepEqual((await journal.open()).map((e) => e.id), ['7']);
  assert.equal(await spareOf(journal).whenReady(), true);
  assert.match(readFileSync(join(dir, 'reversals.jsonl.next'), 'latin1'), /^\n+$/, 'made again from blank lines');
  await journal.close();
});

test('a journal refused the folder (LOCKED), or never opened, leaves the holder\'s spare file alone on close', async (t) => {
  const dir = tempDir(t, 'spare');
  const holder = new FileJournal(dir, { preallocate: PREALLOCATE, compactAt: 4096, compactInterval: 0 });
  await holder.open();
  t.after(() => holder.close());
  assert.equal(await spareOf(holder).whenReady(), true);
  const next = join(dir, 'reversals.jsonl.next');
  const refused = new FileJournal(dir, { preallocate: PREALLOCATE });
  await assert.rejects(refused.open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED' });
  await refused.close();
  assert.equal(statSync(next).size, PREALLOCATE, 'the holder\'s spare file is still there after the refused journal closed');
  await new FileJournal(dir, { preallocate: PREALLOCATE }).close();
  assert.equal(statSync(next).size, PREALLOCATE, 'the holder\'s spare file is still there after a never-opened journal closed');
  // The holder's next compaction still goes into it (due once the records pass `compactAt`).
  const compacted = once(holder, 'compact') as Promise<[{ spare: boolean }]>;
  for (let i = 1; holder.batches.compactions < 2; i++) {
    await holder.add(entry(String(i)));
    await holder.done(String(i), 'not-needed');
  }
  assert.equal((await compacted)[0].spare, true, 'the compaction used the spare file made ahead');
});

test('a folder at the next file\'s name: the journal goes on, the warning names the file', async (t) => {
  const dir = tempDir(t, 'spare');
  const next = join(dir, 'reversals.jsonl.next');
  mkdirSync(next);
  const { logger, lines } = capturedLogger();
  const journal = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0, logger });
  await journal.open();
  assert.equal(await spareOf(journal).whenReady(), false);
  await journal.add(entry('1'));
  await journal.close();
  const made = lines.filter((l) => l.msg === 'the journal\'s next file cannot be made ahead: the next compaction writes it whole');
  assert.ok(made.length >= 1);
  for (const l of made) assert.equal(l.path, next);
});
