// A lock file that names nobody is taken over as `damaged`; one of any size is read no further than a lock's line can
// be (a sparse file of gigabytes restored or truncated over it was read whole: every start refused with an error that
// did not name the file). A lock that cannot be read (a folder at its name) refuses the start naming the lock file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

test('a lock file of 1.5 GiB (sparse) is taken over as damaged, without reading it whole', async (t) => {
  const dir = tempDir(t, 'lock-damaged');
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, '');
  truncateSync(lock, 1.5 * 2 ** 30);
  const log = capturedLogger();
  const journal = new FileJournal(dir, { logger: log.logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK');
  assert.equal(warning?.reason, 'damaged');
  assert.equal(parseOwner(readFileSync(lock, 'utf8'))?.pid, process.pid);
});

test('a folder at the lock file\'s name refuses the start, naming the lock file', async (t) => {
  const dir = tempDir(t, 'lock-damaged');
  const lock = join(dir, LOCK_FILE);
  mkdirSync(lock);
  await assert.rejects(new FileJournal(dir, { preallocate: 4096 }).open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
    assert.ok(err.message.includes(lock), err.message);
    return true;
  });
});
