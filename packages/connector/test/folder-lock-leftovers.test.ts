// A start killed while it took a store folder's lock (a SIGKILL, a power cut) leaves its private file, the one it
// hard-links as the lock: `reversals.lock.<pid>-<8 letters>` (`transactions.lock.…` for the transaction log), holding
// its pid. The next start that takes the lock removes those of processes that are gone, and leaves a live one's alone
// (that process is starting now, and removes its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog, LOCK_FILE, TRANSACTION_LOCK_FILE } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

/** A pid no process has (see folder-lock.test.ts). */
const GONE = 4_000_000;

/** Leaves in `dir` what killed starts leave, and one a live process (the test runner) is making now; returns its name. */
function leftovers(dir: string, lockFile: string): string {
  writeFileSync(join(dir, `${lockFile}.${GONE}-k1lled0a`), `${GONE}\n`);
  // Killed before its pid was written.
  writeFileSync(join(dir, `${lockFile}.${GONE + 1}-k1lled0b`), '');
  // An earlier incarnation of this pid (a container's pid 1 after a restart).
  writeFileSync(join(dir, `${lockFile}.${process.pid}-earl1er0`), `${process.pid}\n`);
  const live = `${lockFile}.${process.ppid}-st4rting`;
  writeFileSync(join(dir, live), `${process.ppid}\n`);
  return live;
}

test('a journal start removes the private lock files of killed starts, and leaves a live one alone', async (t) => {
  const dir = tempDir(t, 'lock-leftovers');
  const live = leftovers(dir, LOCK_FILE);
  const journal = new FileJournal(dir, { compactInterval: 0 });
  await journal.open();
  await journal.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(LOCK_FILE)), [live]);
});

test('a transaction log start removes the private lock files of killed starts, and leaves a live one alone', async (t) => {
  const dir = tempDir(t, 'lock-leftovers');
  const live = leftovers(dir, TRANSACTION_LOCK_FILE);
  const log = new FileTransactionLog(dir);
  await log.open();
  await log.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(TRANSACTION_LOCK_FILE)), [live]);
});
