// The folder lock names its owner by more than its pid (lock-owner.ts): two journals of one process in two worker
// threads share a pid; a dead gateway's pid can be given to an unrelated process; two containers on one volume are
// each pid 1 in their own pid namespace. Real worker threads, processes and pid namespaces (`unshare`, root; skipped
// elsewhere, saying why); Linux only (`/proc`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { ownerText, parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { FAST_LOCK_REFRESH, FAST_LOCK_STALE } from './helpers/lock-times.js';
import { startChild } from './child.js';

const LINUX = existsSync('/proc/self/stat');
const LOCKED = 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED';

/** A journal in a worker thread on `dir` (fixtures/lock-worker.ts): its next message, and its close. */
function journalWorker(t: { after(fn: () => unknown): void }, dir: string): { next(): Promise<string>; close(): Promise<string> } {
  const worker = new Worker(new URL('./fixtures/lock-worker.js', import.meta.url), { workerData: { dir } });
  t.after(() => worker.terminate());
  const messages: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  worker.on('message', (m: string) => {
    const w = waiting.shift();
    if (w === undefined) messages.push(m);
    else w(m);
  });
  const next = (): Promise<string> => {
    const m = messages.shift();
    if (m !== undefined) return Promise.resolve(m);
    return eventWithin<string>(30_000, () => 'the worker did not answer within 30 s', (resolve) => waiting.push(resolve));
  };
  return {
    next,
    close: () => {
      worker.postMessage('close');
      return next();
    },
  };
}

test('two journals on one folder in two worker threads of one process: the second is refused, the first keeps it', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-owner');
  const a = journalWorker(t, dir);
  assert.equal(await a.next(), 'opened');
  const before = readFileSync(join(dir, LOCK_FILE), 'utf8');
  const b = journalWorker(t, dir);
  assert.equal(await b.next(), `refused ${LOCKED}`);
  await assert.rejects(new FileJournal(dir).open(), { code: LOCKED });
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), before, 'the first worker\'s lock is still there');
  assert.equal(await a.close(), 'closed');
  const c = journalWorker(t, dir);
  assert.equal(await c.next(), 'opened', 'free again once the first closed');
  assert.equal(await c.close(), 'closed');
  await b.close();
});

/** The start time of process `pid` (`/proc/<pid>/stat` field 22). */
function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

test('a dead holder\'s pid now another process\'s is taken over (reused); the same process (its start time) is not; nor one of another boot', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-owner');
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  const pid = other.pid as number;
  const me = parseOwner(ownerText());
  assert.ok(me?.boot !== undefined && me.ns !== undefined);
  const lock = join(dir, LOCK_FILE);
  // The live process with its own start time: its lock.
  writeFileSync(lock, `${JSON.stringify({ pid, token: 'a', start: startOf(pid), boot: me.boot, ns: me.ns })}\n`);
  await assert.rejects(new FileJournal(dir).open(), (err: Error & { code?: string }) => err.code === LOCKED && err.message.includes(`process ${pid}`));
  for (const [owner, reason] of [
    [{ pid, token: 'b', start: '1', boot: me.boot, ns: me.ns }, 'reused'],
    [{ pid, token: 'c', start: startOf(pid), boot: 'another-boot', ns: me.ns }, 'rebooted'],
  ] as const) {
    writeFileSync(lock, `${JSON.stringify(owner)}\n`);
    // Another boot's lock is taken for made before this boot when it was last touched before this boot began.
    if (reason === 'rebooted') utimesSync(lock, new Date(1000), new Date(1000));
    const log = capturedLogger();
    const j = new FileJournal(dir, { logger: log.logger });
    await j.open();
    const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK');
    assert.equal(warning?.holderPid, pid);
    assert.equal(warning.reason, reason);
    assert.equal(parseOwner(readFileSync(lock, 'utf8'))?.pid, process.pid);
    await j.close();
  }
});

/** True when this process may make pid namespaces (`unshare --pid`: root). */
function canUnshare(): boolean {
  return spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']).status === 0;
}

test('two containers on one folder, each pid 1 in its own pid namespace: the second is refused; once the first is killed, a third takes it over', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  if (!canUnshare()) {
    t.skip('cannot make a pid namespace (unshare --pid needs root)');
    return;
  }
  const dir = tempDir(t, 'lock-owner');
  // Each child is pid 1 of a new pid namespace: `unshare` forks it, and kills it when it is killed itself.
  const inNamespace = 'exec unshare --pid --fork --kill-child "$0" "$@";';
  // The lock's times lowered in both (helpers/lock-times.ts): the order of touches and takeover is what is tested.
  const container = (): ReturnType<typeof startChild> => {
    const c = startChild('lock-race-child', { store: 'journal', refresh: FAST_LOCK_REFRESH }, inNamespace);
    t.after(() => c.process.kill('SIGKILL'));
    return c;
  };
  const a = container();
  await a.waitLine('ready', 60_000);
  a.process.stdin?.write(`open a ${dir}\n`);
  assert.equal(await a.waitLine('a '), 'a opened');
  const held = readFileSync(join(dir, LOCK_FILE), 'utf8');
  assert.equal(parseOwner(held)?.pid, 1, 'the holder is pid 1 of its namespace');
  const b = container();
  await b.waitLine('ready', 60_000);
  b.process.stdin?.write(`open b ${dir}\n`);
  // Watched until the holder touches it (every LOCK_REFRESH ms).
  assert.equal(await b.waitLine('b ', FAST_LOCK_STALE + 20_000), `b locked ${LOCKED}`);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), held, 'the live holder keeps its lock');
  await a.kill();
  b.process.stdin?.write(`open b2 ${dir}\n`);
  // Untouched for LOCK_STALE ms: taken over.
  assert.equal(await b.waitLine('b2 ', FAST_LOCK_STALE + 20_000), 'b2 opened');
  b.process.stdin?.write('close b2\n');
  await b.waitLine('b2 closed');
  b.process.stdin?.end();
  await b.exited;
});
