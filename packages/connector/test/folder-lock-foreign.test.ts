// A live holder the start cannot judge by its pid and start time: one on another kernel sharing the volume (another
// boot id: a VM-isolated container, Kata, gVisor, Firecracker) and one in another time namespace (its start time reads
// shifted by the namespace's offset). Neither may be taken over while it touches its lock (lock-owner.ts); another
// boot's lock last touched before this boot began is taken over at once ('rebooted'). Real files and processes, a real
// time namespace (`unshare --time`, root; skipped elsewhere, saying why); Linux only (`/proc`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, futimesSync, openSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { ownerText, parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { FAST_LOCK_REFRESH, fastLocks } from './helpers/lock-times.js';
import { startChild } from './child.js';

const LINUX = existsSync('/proc/self/stat');
const LOCKED = 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED';

test('a live holder on another kernel (another boot id) that touches its lock is not taken over; one untouched since before this boot is (rebooted)', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-foreign');
  const me = parseOwner(ownerText());
  assert.ok(me?.ns !== undefined);
  const lock = join(dir, LOCK_FILE);
  const held = `${JSON.stringify({ pid: 1, token: 'vm', start: '5', boot: 'another-kernel', ns: me.ns })}\n`;
  writeFileSync(lock, held);
  // The other kernel's holder: it touches its lock as every holder does (here every 500 ms).
  const fd = openSync(lock, 'r');
  const touching = setInterval(() => futimesSync(fd, new Date(), new Date()), 500);
  t.after(() => {
    clearInterval(touching);
    closeSync(fd);
  });
  await assert.rejects(new FileJournal(dir, { preallocate: 4096 }).open(), { code: LOCKED });
  assert.equal(readFileSync(lock, 'utf8'), held, 'the live holder keeps its lock');
  clearInterval(touching);
  // Last touched before this boot began: made before a reboot, taken over at once.
  utimesSync(lock, new Date(1000), new Date(1000));
  const log = capturedLogger();
  const journal = new FileJournal(dir, { logger: log.logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK')?.reason, 'rebooted');
});

/** True when this process may make time namespaces (`unshare --time`: root, Linux 5.6 and later). */
function canUnshareTime(): boolean {
  return spawnSync('unshare', ['--time', '--boottime', '100000', '--fork', 'true']).status === 0;
}

test('a live holder in another time namespace (its start time reads shifted) is not taken over for a reused pid', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  if (!canUnshareTime()) {
    t.skip('cannot make a time namespace (unshare --time needs root and Linux 5.6)');
    return;
  }
  const dir = tempDir(t, 'lock-foreign');
  // The same pid namespace, a boot clock 100000 s ahead: its /proc/<pid>/stat start time reads differently here.
  // The lock's times lowered in both (helpers/lock-times.ts): the watch ends at the holder's next touch, sooner.
  fastLocks(t);
  const holder = startChild('lock-race-child', { store: 'journal', refresh: FAST_LOCK_REFRESH }, 'exec unshare --time --boottime 100000 --fork "$0" "$@";');
  t.after(() => holder.process.kill('SIGKILL'));
  await holder.waitLine('ready', 60_000);
  holder.process.stdin?.write(`open a ${dir}\n`);
  assert.equal(await holder.waitLine('a '), 'a opened');
  const held = readFileSync(join(dir, LOCK_FILE), 'utf8');
  // Watched until the holder touches it (every LOCK_REFRESH ms).
  await assert.rejects(new FileJournal(dir, { preallocate: 4096 }).open(), { code: LOCKED });
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), held, 'the live holder keeps its lock');
  holder.process.stdin?.write('close a\n');
  await holder.waitLine('a closed');
  holder.process.stdin?.end();
});
