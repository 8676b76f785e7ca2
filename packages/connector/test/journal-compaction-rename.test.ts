// The folder's fsync after a compaction's rename fails: the new file (every acknowledged record in it) is named the
// journal, but a crash may undo the rename and bring back the old file. A record written from then on, to either file,
// could be lost: the journal stops at once, every append refused, and says what failed (the folder's sync after the
// rename, with the error's code), not that its file was replaced; its records stay on disk (`recordsLost` false) and
// the next start reads them all. Real files; a fault injector (helpers/write-faults.ts) holds and fails the folder's
// fsync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SpareFile } from '../src/journal-spare.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** The journal's error once it stopped for the folder's sync after a rename (the code, and what failed). */
const SYNC_STOP = /stopped because the sync of its folder .+ after a compaction's rename failed \(EIO\)/;

test('FileJournal – the folder\'s fsync after a compaction\'s rename fails: the journal stops at once and says so, nothing acknowledged after the rename, every record kept', async (t) => {
  const dir = tempDir(t, 'rename-sync');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactAt: 600, preallocate: 64 * 1024, compactInterval: 0, logger });
  await j.open();
  t.after(() => j.close());
  assert.equal(await (j as unknown as { spare: SpareFile }).spare.whenReady(), true);
  await j.add(entry('keep1'));
  // The next compaction's folder sync (after its rename) is held, then fails with EIO.
  const sync = { started: gate(), held: gate() };
  faults.rules.push({ folderSync: true, fail: true, started: sync.started.open, gate: sync.held.promise });
  // Past compactAt: a compaction starts once these took effect.
  await Promise.all(ids('a', 5).map((id) => j.add(entry(id))));
  await within(sync.started.promise, 5000, 'the folder\'s sync after the compaction\'s rename');
  // Appended while the rename is not durable yet: never acknowledged.
  const during = j.add(entry('during'));
  sync.held.open();
  await assert.rejects(during, (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
    assert.match(err.message, SYNC_STOP);
    return true;
  });
  await assert.rejects(j.add(entry('later')), SYNC_STOP);
  const halt = j.halted();
  assert.match(halt?.reason ?? '', /sync of its folder .+ after a compaction's rename failed \(EIO\)/);
  assert.equal(halt?.recordsLost, false, 'its records are on disk, in the new file as in the old one');
  const stop = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('stopped because'));
  assert.equal(stop?.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(stop?.cause, 'EIO');
  assert.ok(!lines.some((l) => JSON.stringify(l).includes('replaced')), 'no line says its file was replaced');
  await j.close();
  assert.equal(j.halted()?.recordsLost, false, 'still after the close');
  // The next start reads every acknowledged record, and nothing appended after the rename.
  const again = new FileJournal(dir, { compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['a1', 'a2', 'a3', 'a4', 'a5', 'keep1']);
  await again.close();
});
