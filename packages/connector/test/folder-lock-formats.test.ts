// Lock files of other formats than this version's JSON line. A lock holding its pid alone (a version before the JSON
// lock, or one made by hand) left by a crash before a reboot is judged by that pid alone unless its age says more:
// after the reboot another process may have that pid, and the start was refused until someone removed the lock. Real
// files (their modification time set with utimes) and real processes (killed by their pid); Linux only (`/proc`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goneProcessId } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const LINUX = existsSync('/proc/self/stat');
const LOCKED = 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED';

/** When this boot began (`btime` of `/proc/stat`), ms since the epoch. */
function bootedAt(): number {
  return Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1]) * 1000;
}

/** A live process that is not this one (killed by its pid after the test): Node, or `program` (not Node). */
function liveProcess(t: { after(fn: () => unknown): void }, program?: string): number {
  const other = program === undefined ? spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' }) : spawn(program, ['1000'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  return other.pid as number;
}

test('a lock holding a pid alone, last touched before this boot began, is taken over (rebooted) though a live process (not Node) has that pid now', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-formats');
  const pid = liveProcess(t, 'sleep');
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, `${pid}\n`);
  const beforeBoot = new Date(bootedAt() - 60_000);
  utimesSync(lock, beforeBoot, beforeBoot);
  const log = capturedLogger();
  const journal = new FileJournal(dir, { logger: log.logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK');
  assert.equal(warning?.holderPid, pid);
  assert.equal(warning.reason, 'rebooted');
  assert.equal(parseOwner(readFileSync(lock, 'utf8'))?.pid, process.pid);
});

test('a lock holding a pid alone, last touched before this boot began, whose pid a live Node process has, is held (a clock stepped forward makes a live lock look older than the boot)', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-formats');
  const pid = liveProcess(t);
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, `${pid}\n`);
  const beforeBoot = new Date(bootedAt() - 60_000);
  utimesSync(lock, beforeBoot, beforeBoot);
  await assert.rejects(new FileJournal(dir, { preallocate: 4096 }).open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, LOCKED);
    assert.match(err.message, new RegExp(`process ${pid}`));
    assert.match(err.message, /last touched before this boot began.*remove the file if no iso8583 of an older version runs/);
    return true;
  });
  assert.equal(readFileSync(lock, 'utf8'), `${pid}\n`, 'left as it was');
});

test('a lock holding a pid alone, touched since this boot began, whose pid a live process has, is held', { skip: !LINUX && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-formats');
  const pid = liveProcess(t);
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, `${pid}\n`);
  await assert.rejects(new FileJournal(dir, { preallocate: 4096 }).open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, LOCKED);
    assert.match(err.message, new RegExp(`process ${pid}`));
    return true;
  });
  assert.equal(readFileSync(lock, 'utf8'), `${pid}\n`, 'left as it was');
});

test('a JSON lock of a format this version does not know (a member it does not know, a known one of another type, no pid) is held, never taken over, even naming a process that is gone', async (t) => {
  const pid = goneProcessId();
  const dir = tempDir(t, 'lock-formats');
  const lock = join(dir, LOCK_FILE);
  for (const text of [
    { pid, token: 'a', start: '1', boot: 'b', ns: 'pid:[1]', format: 2 },
    { pid, token: 'a', host: 'elsewhere' },
    { pid, token: 'a', start: 12345 },
    { version: 2, holder: { pid } },
  ].map((o) => `${JSON.stringify(o)}\n`)) {
    writeFileSync(lock, text);
    const log = capturedLogger();
    await assert.rejects(new FileJournal(dir, { logger: log.logger, preallocate: 4096 }).open(), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, LOCKED, text);
      assert.equal(err.field, 'reversal.journalDir');
      assert.ok(err.message.includes(`its lock file ${lock} is of a format this version of iso8583 does not know`), err.message);
      return true;
    });
    assert.equal(readFileSync(lock, 'utf8'), text, 'left as it was');
    assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK'), undefined, 'not taken for stale');
  }
  // Its own format naming that process is taken over (exited): the refusals above are the format's, not the pid's.
  writeFileSync(lock, `${JSON.stringify({ pid, token: 'a' })}\n`);
  const log = capturedLogger();
  const journal = new FileJournal(dir, { logger: log.logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  assert.equal(log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK')?.reason, 'exited');
});
