// A stop signal that comes while `iso8583 gateway` is still starting (the real binary) ends the start: exit 0, a line
// saying it stopped before ready, no ready line, and nothing half made in the journal folder (its lock released, no
// private lock file, no temporary file). It killed the process before (exit 143 by SIGTERM's default action), leaving
// the lock and a half-written `reversals.jsonl.tmp`. A second signal gives the start up at once (exit 1). A SIGHUP
// then (whose default action ended the process too) is kept: the start goes on, and the log says it came during the
// start (a SIGHUP handled only once ready would log the after-ready line instead).
// The start is held where the test can see it: its journal folder has a stale lock whose take-over gate a live process
// (this one) holds, so the start waits for that gate, its private lock file made, until the test lets it go.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goneProcessId, waitUntil, within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

/** A pid no process has (a fixed one can be a live process's where pid_max is 4,194,304). */
const GONE = goneProcessId();

/** A gateway started on a journal folder whose start waits for a take-over gate this process holds. */
function heldStart(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stop-before-ready-'));
  const journal = join(dir, 'journal');
  mkdirSync(journal);
  writeFileSync(join(journal, 'reversals.lock'), `${GONE}\n`);
  const gate = join(journal, `reversals.lock.takeover-${GONE}`);
  writeFileSync(gate, `${process.pid}\n`);
  const args = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', journal, '--log-level', 'info'];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  /** Resolves once stdout holds `text`; rejects if the process ends first. */
  const line = (text: string): Promise<void> =>
    within(
      new Promise<void>((resolve, reject) => {
        const look = (): void => {
          if (stdout.includes(text)) resolve();
        };
        child.stdout.on('data', look);
        look();
        void done.then(() => reject(new Error(`ended before "${text}": ${JSON.stringify({ stdout, stderr: stderr.slice(-400) })}`)));
      }),
      20_000,
      `the line "${text}"`,
    );
  return {
    child,
    done,
    line,
    journal,
    out: () => stdout,
    err: () => stderr,
    /** Resolves once the start waits for the gate (its private lock file is made). */
    waiting: () =>
      waitUntil(() => readdirSync(journal).some((n) => /^reversals\.lock\.\d+-/.test(n)), { what: 'the start to make its private lock file' }),
    /**
     * Lets the start go on: the stale lock removed (the start then links its own at its next try), then the gate (the
     * other way round, the start could take the gate and link its lock before the test removed the stale one: the
     * test would remove the start's lock).
     */
    release: () => {
      unlinkSync(join(journal, 'reversals.lock'));
      unlinkSync(gate);
    },
  };
}

// Each test holds its own start in its own folder: they run at once.
describe('a stop signal while the gateway starts', { concurrency: true }, () => {
  test('gateway: SIGTERM while the start is under way ends it with exit 0, "stopped before ready", the lock released and no file half made', async (t) => {
    const start = heldStart(t);
    await start.waiting();
    start.child.kill('SIGTERM');
    await start.line('SIGTERM: stopping before ready');
    start.release();
    const end = await within(start.done, 30_000, 'the gateway to end');
    assert.deepEqual(end, { code: 0, signal: null }, start.out());
    assert.match(start.out(), /gateway stopped before ready \(SIGTERM\)\n$/);
    assert.doesNotMatch(start.out(), /gateway listening/, 'never ready');
    assert.deepEqual(readdirSync(start.journal).sort(), ['reversals.jsonl', 'upstream.json'], 'no lock, no private file, no temporary or spare file (the upstream marker stays)');
  });

  test('gateway: a second SIGTERM while the start is under way gives it up at once with exit 1', async (t) => {
    const start = heldStart(t);
    await start.waiting();
    start.child.kill('SIGTERM');
    await start.line('SIGTERM: stopping before ready');
    start.child.kill('SIGTERM');
    const end = await within(start.done, 30_000, 'the gateway to end');
    assert.deepEqual(end, { code: 1, signal: null }, start.out());
    assert.match(start.out(), /SIGTERM again: aborting the start\n$/);
  });

  test('gateway: a SIGHUP while the start is under way (a reload, a log rotation) does not end it: the gateway gets ready and stops on SIGTERM as usual', async (t) => {
    const start = heldStart(t);
    await start.waiting();
    start.child.kill('SIGHUP');
    start.release();
    await start.line('gateway listening');
    start.child.kill('SIGTERM');
    const end = await within(start.done, 30_000, 'the gateway to end');
    assert.deepEqual(end, { code: 0, signal: null }, start.out());
    assert.match(start.out(), /gateway stopped\n$/);
    assert.match(start.err(), /"msg":"SIGHUP during the start: log file reopened"/, 'the SIGHUP handled during the start');
    assert.doesNotMatch(start.err(), /SIGHUP: log file reopened, stats reset/, 'not once ready');
  });
});
