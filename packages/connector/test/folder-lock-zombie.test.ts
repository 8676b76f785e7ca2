// A holder killed but not reaped (a zombie: its parent does not wait for it, as a container's pid 1 that is not an
// init) still has its pid, and kill(pid, 0) succeeds on it: its lock must still be taken over ('exited'), not refuse
// every start for as long as the zombie stays. A real zombie: a `sleep` child of a shell that exec'd into `sleep`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventWithin, waitUntil } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { ownerText, parseOwner } from '../src/lock-owner.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

/** `/proc/<pid>/stat` after the command name: field 3 (the state) first. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

test('the lock of a holder killed but not reaped (a zombie) is taken over (exited)', { skip: !existsSync('/proc/self/stat') && 'needs /proc (Linux)' }, async (t) => {
  const dir = tempDir(t, 'lock-zombie');
  // The shell starts a child, prints its pid, and becomes a `sleep` that never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const line = await eventWithin<string>(20_000, () => 'the shell did not print its child\'s pid', (resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  const pid = Number(line.trim());
  const me = parseOwner(ownerText());
  assert.ok(me?.boot !== undefined && me.ns !== undefined);
  const lock = join(dir, LOCK_FILE);
  writeFileSync(lock, `${JSON.stringify({ pid, token: 'z', start: statFields(pid)[19], boot: me.boot, ns: me.ns })}\n`);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => statFields(pid)[0] === 'Z', { what: `process ${pid} to be a zombie` });
  const log = capturedLogger();
  const journal = new FileJournal(dir, { logger: log.logger, preallocate: 4096 });
  await journal.open();
  t.after(() => journal.close());
  const warning = log.lines.find((l) => l.code === 'ISO8583_WARN_JOURNAL_STALE_LOCK');
  assert.equal(warning?.holderPid, pid);
  assert.equal(warning.reason, 'exited');
  assert.equal(parseOwner(readFileSync(lock, 'utf8'))?.pid, process.pid);
});
