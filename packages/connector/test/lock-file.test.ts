// A folder lock's file is read in one place (lock-file.ts): the lock's take (folder-lock.ts, asynchronous) and the
// check of its live holder before a start (lock-holder.ts, synchronous) read the same owner, text, identity and
// modification time from it, and refuse a file longer than a lock the same way. Real files in a temp folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { goneProcessId } from '@iso8583/test-support';
import { MAX_LOCK_TEXT, readLock, readLockSync } from '../src/lock-file.js';
import { liveLockHolder } from '../src/lock-holder.js';
import { ownerText } from '../src/lock-owner.js';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-lock-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('lock file: the asynchronous and synchronous readers read the same lock, the same damaged one, and the same absence', async (t) => {
  const dir = folder(t);
  const lock = join(dir, 'journal.lock');
  writeFileSync(lock, ownerText());
  const read = await readLock(lock);
  assert.notEqual(read, 'gone');
  assert.deepEqual(readLockSync(lock), read);
  if (read === 'gone') return;
  assert.equal(read.owner?.pid, process.pid);
  const { dev, ino, mtimeMs } = statSync(lock);
  assert.deepEqual({ dev: read.dev, ino: read.ino, mtimeMs: read.mtimeMs }, { dev, ino, mtimeMs });

  // Longer than a lock: names nobody, for both (read no further than one byte past the bound).
  const long = join(dir, 'long.lock');
  writeFileSync(long, ownerText().padEnd(MAX_LOCK_TEXT + 100, ' '));
  const longRead = readLockSync(long);
  assert.deepEqual(await readLock(long), longRead);
  assert.equal(longRead !== 'gone' && longRead.owner, undefined);
  assert.equal(longRead !== 'gone' && longRead.text.length, MAX_LOCK_TEXT + 1);

  assert.equal(await readLock(join(dir, 'none.lock')), 'gone');
  assert.equal(readLockSync(join(dir, 'none.lock')), 'gone');
});

test('lock file: a folder at the lock\'s name is a failure naming the path, for both readers; the holder check says nobody holds it', async (t) => {
  const dir = folder(t);
  const lock = join(dir, 'journal.lock');
  mkdirSync(lock);
  await assert.rejects(readLock(lock), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' && err.path === lock);
  assert.throws(() => readLockSync(lock), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' && err.path === lock);
  assert.equal(liveLockHolder(lock), undefined);
});

test('lock file: the holder check reads the lock through the same reader: a gone pid is no holder, a damaged lock neither', async (t) => {
  const dir = folder(t);
  const lock = join(dir, 'journal.lock');
  writeFileSync(lock, `${goneProcessId()}\n`);
  assert.equal(liveLockHolder(lock), undefined);
  writeFileSync(lock, 'x'.repeat(MAX_LOCK_TEXT + 1));
  assert.equal(liveLockHolder(lock), undefined);
  assert.equal(liveLockHolder(join(dir, 'none.lock')), undefined);
});
