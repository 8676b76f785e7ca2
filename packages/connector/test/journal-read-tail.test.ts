// A journal file is read back up to its trailing blank run (the preallocated tail): a restart's memory does not grow
// with `preallocate` (a 1 GiB preallocation was read whole, ~1.1 GB at each restart), and a journal reopened over a
// large preallocation still finds every entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readJournalFile } from '../src/journal-tail.js';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

/** A file of `head` followed by `blank` newlines (written in chunks: no buffer of its size in this process). */
function fileOf(path: string, head: string, blank: number): void {
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  const chunk = Buffer.alloc(1024 * 1024, 0x0a);
  for (let left = blank; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  closeSync(fd);
}

test('readJournalFile – the trailing blank run is not held: the lines before it and two of its newlines, and the size', async (t) => {
  const dir = tempDir(t, 'read-tail');
  const path = join(dir, 'j');
  fileOf(path, 'first\n\n\nlast', 3 * 1024 * 1024 + 5);
  const read = await readJournalFile(path);
  assert.equal(read?.data.toString(), 'first\n\n\nlast\n\n');
  assert.equal(read?.size, 'first\n\n\nlast'.length + 3 * 1024 * 1024 + 5);

  fileOf(path, 'ends the file', 0);
  assert.equal((await readJournalFile(path))?.data.toString(), 'ends the file', 'a last line the file ends in');
  fileOf(path, 'one\n', 0);
  assert.equal((await readJournalFile(path))?.data.toString(), 'one\n');
  fileOf(path, '', 2 * 1024 * 1024);
  assert.deepEqual({ ...(await readJournalFile(path)), data: undefined }, { data: undefined, size: 2 * 1024 * 1024 });
  assert.equal((await readJournalFile(path))?.data.length, 2, 'all blank: two newlines, not an empty file');
  writeFileSync(path, '');
  assert.equal((await readJournalFile(path))?.size, 0);
  assert.equal(await readJournalFile(join(dir, 'none')), undefined);
});

test('a journal reopened over a 64 MiB preallocation finds its entries (the tail passed over, not read into memory)', async (t) => {
  const dir = tempDir(t, 'read-tail-open');
  const first = new FileJournal(dir, { preallocate: 64 * 1024 * 1024, compactInterval: 0 });
  await first.open();
  await first.add({ id: 'a1', at: 1, reversal: { 0: '0400', 11: '000001', 41: 'TERM0001' } });
  await first.add({ id: 'a2', at: 1, reversal: { 0: '0400', 11: '000002', 41: 'TERM0001' } });
  await first.done('a1', 'reversed');
  await first.close();
  const fd = openSync(join(dir, JOURNAL_FILE), 'r+');
  ftruncateSync(fd, 64 * 1024 * 1024);
  closeSync(fd);
  const again = new FileJournal(dir, { preallocate: 64 * 1024 * 1024, compactInterval: 0 });
  const live = await again.open();
  assert.deepEqual([...live].map((e) => e.id), ['a2']);
  await again.close();
});
