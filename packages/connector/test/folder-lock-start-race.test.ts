// Starts that race for one folder: the winner removes what killed starts left (their private files), never the
// private file of a start still running, whose link would then fail ENOENT (ISO8583_ERR_CONNECTOR_JOURNAL) instead of
// the loser's ..._LOCKED. A start of this very process (another worker thread) is known running by its open
// descriptor, whatever its file holds yet; a start in another pid namespace by its touches (every LOCK_REFRESH ms,
// while it watches a lock of another container). Real files, processes and pid namespaces (`unshare`, root; skipped
// elsewhere, saying why); Linux only (`/proc`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { waitUntil } from '@iso8583/test-support';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { ownerText, parseOwner } from '../src/lock-owner.js';
import { tempDir } from './helpers/setup.js';
import { FAST_LOCK_REFRESH, FAST_LOCK_STALE } from './helpers/lock-times.js';
import { startChild } from './child.js';

const LINUX = existsSync('/proc/self/stat');
const LOCKED = 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED';

test('a start of this process still making its private file (open, nothing written yet) keeps it while another takes the lock', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-start-race');
  // What another worker thread's start holds between its open and its write: an empty file, open.
  const starting = join(dir, `${LOCK_FILE}.${process.pid}-st4rting`);
  const fd = openSync(starting, 'wx', 0o600);
  t.after(() => closeSync(fd));
  const journal = new FileJournal(dir, { preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  assert.ok(readdirSync(dir).includes(`${LOCK_FILE}.${process.pid}-st4rting`), 'the running start\'s private file is still there');
});

/** The start time of process `pid` (`/proc/<pid>/stat` field 22). */
function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

test('a start whose private file another start removed, and the lock is now a live process\'s: refused LOCKED naming that process', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-start-race');
  const me = parseOwner(ownerText());
  assert.ok(me?.boot !== undefined && me.ns !== undefined);
  const lock = join(dir, LOCK_FILE);
  // A gone container's lock: watched (LOCK_STALE ms) before it is taken over, time for the rest to happen.
  writeFileSync(lock, `${JSON.stringify({ pid: 1, token: 'dead', start: '5', boot: me.boot, ns: 'pid:[4026599999]' })}\n`);
  const opening = new FileJournal(dir, { preallocate: 4096 }).open();
  const mine = await waitUntil(() => readdirSync(dir).find((n) => n.startsWith(`${LOCK_FILE}.${process.pid}-`)), { what: 'the start\'s private file' });
  // Another start took the folder meanwhile: it removed our private file, and its lock replaced the one we watch.
  unlinkSync(join(dir, mine));
  writeFileSync(`${lock}.new`, `${JSON.stringify({ pid: process.ppid, token: 'live', start: startOf(process.ppid), boot: me.boot, ns: me.ns })}\n`);
  renameSync(`${lock}.new`, lock);
  await assert.rejects(opening, (err: Error & { code?: string }) => err.code === LOCKED && err.message.includes(`process ${process.ppid}`));
});

/** True when this process may make pid namespaces (`unshare --pid`: root). */
function canUnshare(): boolean {
  return spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']).status === 0;
}

test('starts in pid namespaces of their own on a dead container\'s lock: exactly one opens, the others are refused LOCKED', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  if (!canUnshare()) {
    t.skip('cannot make a pid namespace (unshare --pid needs root)');
    return;
  }
  const dir = tempDir(t, 'lock-start-race');
  const me = parseOwner(ownerText());
  assert.ok(me?.boot !== undefined);
  // A container that is gone: another pid namespace's lock, untouched for a minute.
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, `${JSON.stringify({ pid: 1, token: 'dead', start: '5', boot: me.boot, ns: 'pid:[4026599999]' })}\n`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const inNamespace = 'exec unshare --pid --fork --kill-child "$0" "$@";';
  // The lock's times lowered in each (helpers/lock-times.ts): the race after the watch is what is tested.
  const starts = [0, 1, 2].map(() => {
    const c = startChild('lock-race-child', { store: 'journal', refresh: FAST_LOCK_REFRESH }, inNamespace);
    t.after(() => c.process.kill('SIGKILL'));
    return c;
  });
  await Promise.all(starts.map((c) => c.waitLine('ready', 60_000)));
  // One line to each at once: all watch the dead lock for LOCK_STALE ms, then race to take it over.
  for (const c of starts) c.process.stdin?.write(`open r ${dir}\n`);
  const outcomes = await Promise.all(starts.map((c) => c.waitLine('r ', FAST_LOCK_STALE + 30_000)));
  assert.deepEqual(outcomes.toSorted(), ['r locked ' + LOCKED, 'r locked ' + LOCKED, 'r opened'], outcomes.join('; '));
  assert.equal(parseOwner(readFileSync(lock, 'utf8'))?.pid, 1, 'the winner (pid 1 of its namespace) holds the lock');
  for (const c of starts) c.process.stdin?.end();
});
