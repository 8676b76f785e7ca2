// A compaction copies the journal's live entries from memory (and the batches that took effect since its snapshot),
// never the file's bytes: a failed batch's refused `done`, left unblanked in the file, does not survive into the
// compacted file, and its entry is still owed by the next start. Real files, a real spare file; the writes' faults are
// injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { capturedLogger, endsWithin, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });
const DONE_K0 = '"op":"done","id":"k0"';

test('FileJournal – a compaction does not copy a failed batch\'s unblanked done: the next start still owes its entry', async (t) => {
  const dir = tempDir(t, 'journal-compaction-failed-bytes');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  // compactInterval > 0: the close compacts (into the spare file) once an entry was marked done.
  const j = new FileJournal(dir, { compactInterval: 60_000, logger });
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  await j.done('k1', 'not-needed');
  // done(k0) reaches the file whole and fails; its blanking fails: nothing after it, the journal goes on.
  faults.rules.push({ marker: DONE_K0, failAfter: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0, 'the write and its blanking were tried');
  assert.ok((await readFile(join(dir, JOURNAL_FILE), 'utf8')).includes(DONE_K0), 'the refused done is in the file before the compaction');
  // Were the compaction to leave the bytes to the close, its blanking fails: only the compaction can remove them.
  faults.rules.push({ blank: 65_536, fail: true });
  const compacted: { spare: boolean }[] = [];
  j.on('compact', (c: { spare: boolean }) => compacted.push(c));
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
  assert.equal(compacted.length, 1, `the close compacted: ${JSON.stringify(lines.filter((l) => Number(l.level) >= 30))}`);
  assert.ok(!(await readFile(join(dir, JOURNAL_FILE), 'utf8')).includes(DONE_K0), 'the refused done is not in the compacted file');
  const next = new FileJournal(dir, { compactInterval: 0 });
  const left = await next.open();
  await next.close();
  assert.deepEqual(left.map((e) => e.id), ['k0'], 'k0 (whose done its caller saw fail) is still owed; k1 is done');
});
