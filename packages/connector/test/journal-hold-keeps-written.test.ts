// When the file journal finds its lock removed (not replaced) while batches are written, it acknowledges what was
// written (whole and synced: the next start reads that file). That finding is kept from the first look, but an
// `rm -rf` of the folder takes the lock first and the file an instant later: whether the written batches are kept is
// asked at the moment they would be acknowledged (`keepsWritten`, one `stat`), so a batch written into a file removed
// since is refused (its request never leaves) and the halt says the records are lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, LOCK_FILE } from '../src/index.js';
import { JournalHold } from '../src/journal-hold.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

test('JournalHold – the lock found removed, then the file removed: the written batches are no longer kept, the file is found lost', async (t) => {
  const dir = tempDir(t, 'journal-hold-keeps-written');
  const path = join(dir, JOURNAL_FILE);
  const { logger } = capturedLogger();
  const hold = await JournalHold.take(dir, path, logger);
  const handle = await open(path, 'w');
  t.after(() => handle.close());
  await hold.track(handle);
  assert.equal(hold.lost(), undefined, 'both its own at first');
  unlinkSync(join(dir, LOCK_FILE));
  assert.match(hold.lost() ?? '', /was removed/);
  assert.equal(hold.lockRemoved, true);
  assert.equal(hold.keepsWritten(), true, 'only the lock removed, the file its own: what was written is kept');
  assert.equal(hold.fileLost, false);
  unlinkSync(path);
  assert.match(hold.lost() ?? '', /lock/, 'the first finding is kept');
  assert.equal(hold.keepsWritten(), false, 'the file removed since: what was written to it is not what a later start reads');
  assert.equal(hold.fileLost, true, 'the halt says the records are lost');
  await hold.release();
});

test('JournalHold – the lock found removed, then made again by another start: the written batches are no longer kept (the other start may have read the file already)', async (t) => {
  const dir = tempDir(t, 'journal-hold-keeps-written-lock');
  const path = join(dir, JOURNAL_FILE);
  const { logger } = capturedLogger();
  const hold = await JournalHold.take(dir, path, logger);
  const handle = await open(path, 'w');
  t.after(() => handle.close());
  await hold.track(handle);
  unlinkSync(join(dir, LOCK_FILE));
  assert.match(hold.lost() ?? '', /was removed/);
  assert.equal(hold.keepsWritten(), true, 'only the lock removed so far');
  writeFileSync(join(dir, LOCK_FILE), 'another start\n');
  assert.equal(hold.keepsWritten(), false, 'a lock made since: another start holds the folder');
  assert.equal(hold.fileLost, false, 'the file itself is still the journal\'s');
  await hold.release();
});
