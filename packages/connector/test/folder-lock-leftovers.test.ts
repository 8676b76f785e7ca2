// A start killed while it took a store folder's lock (a SIGKILL, a power cut) leaves its private file, the one it
// hard-links as the lock: `reversals.lock.<pid>-<8 letters>` (`transactions.lock.…` for the transaction log), holding
// its pid. Killed while it took a stale lock over, it also leaves the take-over gate it held (`<lock>.takeover-<dead
// pid>`, or a gate's gate, a link of its private file: its pid). The next start that takes the lock removes those of
// processes that are gone, and leaves a live one's alone (that process is starting now, and removes its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog, LOCK_FILE, TRANSACTION_LOCK_FILE } from '../src/index.js';
import { LOCK_STALE } from '../src/lock-owner.js';
import { tempDir } from './helpers/setup.js';

/** A pid no process has (see folder-lock.test.ts). */
const GONE = 4_000_000;

/** Leaves in `dir` what killed starts leave, and what a live process (the test runner) is making now; returns those names. */
function leftovers(dir: string, lockFile: string): string[] {
  writeFileSync(join(dir, `${lockFile}.${GONE}-k1lled0a`), `${GONE}\n`);
  // Killed before its pid was written, a while ago (untouched since; one naming nobody is judged by its age, see
  // folder-lock.ts); and one being made now by a start that is still running (in another container, say).
  writeFileSync(join(dir, `${lockFile}.${GONE + 1}-k1lled0b`), '');
  const old = new Date(Date.now() - 2 * LOCK_STALE);
  utimesSync(join(dir, `${lockFile}.${GONE + 1}-k1lled0b`), old, old);
  const making = `${lockFile}.${GONE + 6}-m4king00`;
  writeFileSync(join(dir, making), '');
  // An earlier incarnation of this pid (a container's pid 1 after a restart).
  writeFileSync(join(dir, `${lockFile}.${process.pid}-earl1er0`), `${process.pid}\n`);
  const live = `${lockFile}.${process.ppid}-st4rting`;
  writeFileSync(join(dir, live), `${process.ppid}\n`);
  // Take-over gates held by starts killed during a take-over: one, a gate's gate, one of an earlier incarnation.
  writeFileSync(join(dir, `${lockFile}.takeover-${GONE + 2}`), `${GONE + 3}\n`);
  writeFileSync(join(dir, `${lockFile}.takeover-${GONE + 2}.takeover-${GONE + 3}`), `${GONE + 4}\n`);
  writeFileSync(join(dir, `${lockFile}.takeover-unknown`), `${process.pid}\n`);
  // A live process's gate: it is taking a lock over now (and finds ours live when it reads it again).
  const gate = `${lockFile}.takeover-${GONE + 5}`;
  writeFileSync(join(dir, gate), `${process.ppid}\n`);
  return [live, gate, making].sort();
}

test('a journal start removes the private lock files and take-over gates of killed starts, and leaves a live one\'s alone', async (t) => {
  const dir = tempDir(t, 'lock-leftovers');
  const live = leftovers(dir, LOCK_FILE);
  const journal = new FileJournal(dir, { compactInterval: 0 });
  await journal.open();
  await journal.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(`${LOCK_FILE}.`)).sort(), live);
});

test('a transaction log start removes the private lock files and take-over gates of killed starts, and leaves a live one\'s alone', async (t) => {
  const dir = tempDir(t, 'lock-leftovers');
  const live = leftovers(dir, TRANSACTION_LOCK_FILE);
  const log = new FileTransactionLog(dir);
  await log.open();
  await log.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith(`${TRANSACTION_LOCK_FILE}.`)).sort(), live);
});
