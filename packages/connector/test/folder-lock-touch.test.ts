// A held lock is touched (its modification time set) every LOCK_REFRESH ms: how a start in another pid namespace tells
// its holder alive (lock-owner.ts). The touch must not wait behind the thread pool: a live holder whose pool is busy
// (slow DNS lookups in an outage, crypto, O_DSYNC writes on a stalled disk) would lose its lock ('untouched'). Here the
// whole pool is held by opens of a FIFO that block until the test opens its write end: real files, no mocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { LOCK_REFRESH } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

/** Threads of the libuv pool (4 unless `UV_THREADPOOL_SIZE` says otherwise). */
const POOL = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

test('a held lock is touched while the thread pool is busy', { skip: !existsSync('/proc/self/stat') && 'needs mkfifo (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-touch');
  const { logger } = capturedLogger('warn');
  const journal = new FileJournal(dir, { logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  const lock = join(dir, LOCK_FILE);
  const fifo = join(dir, 'pool.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const before = statSync(lock).mtimeMs;
  // Every pool thread blocked in open() of the FIFO until a writer opens it.
  const blocked: Promise<FileHandle>[] = Array.from({ length: POOL }, () => open(fifo, 'r'));
  let unblocked: Promise<void> | undefined;
  const unblock = (): Promise<void> =>
    (unblocked ??= (async () => {
      // The readers waiting in open() count as readers: a blocking open of the write end returns at once.
      const writer = openSync(fifo, 'w');
      for (const h of await Promise.all(blocked)) await h.close();
      closeSync(writer);
    })());
  t.after(unblock);
  try {
    // Two touches' time and more: a touch queued behind the pool would never land while the pool is held.
    await waitUntil(() => statSync(lock).mtimeMs !== before, { what: 'the held lock to be touched with the pool busy', timeoutMs: 3 * LOCK_REFRESH + 2000, intervalMs: 50 });
  } finally {
    await unblock();
  }
});
