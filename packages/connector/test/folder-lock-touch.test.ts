// A held lock is touched (its modification time set) every LOCK_REFRESH ms: how a start in another pid namespace tells
// its holder alive (lock-owner.ts). The touch must not wait behind the thread pool: a live holder whose pool is busy
// (slow DNS lookups in an outage, crypto, O_DSYNC writes on a stalled disk) would lose its lock ('untouched'). Here the
// whole pool is held by opens of a FIFO that block until the test opens its write end: real files, no mocks. And a touch
// that hangs (a stalled volume) is warned of, naming the lock, and a release does not wait for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil, within } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { connectorError } from '../src/errors.js';
import { LOCK_TOUCH_CODE, openFolderLock, touchBound } from '../src/folder-lock.js';
import type { FolderLockKind } from '../src/folder-lock.js';
import { openHere } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { FAST_LOCK_REFRESH, FAST_LOCK_STALE, fastLocks } from './helpers/lock-times.js';

/** Threads of the libuv pool (4 unless `UV_THREADPOOL_SIZE` says otherwise). */
const POOL = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

test('a held lock is touched while the thread pool is busy', { skip: !existsSync('/proc/self/stat') && 'needs mkfifo (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-touch');
  // A touch every FAST_LOCK_REFRESH ms (helpers/lock-times.ts), not 2 s: whether one lands with the pool held is tested.
  fastLocks(t);
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
    await waitUntil(() => statSync(lock).mtimeMs !== before, { what: 'the held lock to be touched with the pool busy', timeoutMs: 3 * FAST_LOCK_REFRESH + 2000, intervalMs: 50 });
  } finally {
    await unblock();
  }
});

test('a held lock whose touch hangs is warned of once within the bound, naming the lock; its release does not wait for it', async (t) => {
  const dir = tempDir(t, 'lock-touch-hung');
  // The first touch after FAST_LOCK_REFRESH ms (helpers/lock-times.ts), not 2 s; its bound half the stale time, 1.25 s.
  fastLocks(t);
  const TOUCH_BOUND = touchBound();
  assert.equal(TOUCH_BOUND, FAST_LOCK_STALE / 2);
  const { logger, lines } = capturedLogger('warn');
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  // The internal test seam (lock-touch.ts `TouchSeam`): every touch waits in its worker until the gate is opened.
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const openGate = (): void => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  };
  t.after(openGate);
  const kind: FolderLockKind = { file: 'hung.lock', locked: (d) => connectorError('ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED', `${d} is in use`), staleCode: 'ISO8583_WARN_TEST_STALE', what: 'the test folder' };
  const lock = await openFolderLock(dir, kind, logger, { gate });
  let released = false;
  t.after(() => (released ? undefined : lock.release()));
  const { dev, ino } = statSync(lock.path);
  const begun = performance.now();
  // The first touch at FAST_LOCK_REFRESH, told at its bound after it: the deadline leaves room for a loaded machine.
  const warned = await waitUntil(() => lines.find((l) => l.code === LOCK_TOUCH_CODE), { what: 'the hung touch to be warned of', timeoutMs: FAST_LOCK_REFRESH + TOUCH_BOUND + 10_000, intervalMs: 50 });
  assert.ok(performance.now() - begun >= TOUCH_BOUND, 'not before the bound');
  assert.equal(warned.reason, 'ETIMEDOUT');
  assert.equal(warned.lock, lock.path);
  assert.match(String(warned.msg), new RegExp(`the test folder's lock touch has not ended after ${TOUCH_BOUND} ms`));
  await within(lock.release(), 2000, 'the release with a hung touch in flight');
  released = true;
  assert.equal(existsSync(lock.path), false, 'the lock file removed');
  assert.equal(openHere({ dev, ino }), true, 'the hung touch keeps its descriptor open');
  openGate();
  await waitUntil(() => !openHere({ dev, ino }), { what: 'the descriptor closed once the hung touch ended', timeoutMs: 10_000, intervalMs: 20 });
  assert.equal(lines.filter((l) => l.code === LOCK_TOUCH_CODE).length, 1, 'warned once');
});
