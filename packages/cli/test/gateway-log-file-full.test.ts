// `iso8583 gateway --log-file` on a full disk (here /dev/full: ENOSPC): its log lines are lost, never its stop nor its
// exit. Before, the log file's error listener wrote to stderr plainly (a standard error full too threw, uncaught,
// and the process hung in pino's exit hook), and pino's exit hook flushed the failing file synchronously, which
// SonicBoom retries for ever: `gateway stopped` was printed and the process never exited. The real binary, real
// sockets, a real /dev/full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

for (const stderr of ['pipe', '/dev/full'] as const) {
  test(`gateway --log-file /dev/full, stderr ${stderr}: SIGTERM gives "gateway stopped" and exit 0`, async (t) => {
    if (!existsSync('/dev/full')) {
      t.skip('no /dev/full on this system');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-log-full-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const full = openSync('/dev/full', 'w');
    t.after(() => closeSync(full));
    const args = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'info', '--log-file', '/dev/full'];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', stderr === 'pipe' ? 'pipe' : full] });
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    let errors = '';
    child.stderr?.on('data', (b: Buffer) => (errors += b.toString('utf8')));
    const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await within(
      new Promise<void>((resolve) => {
        child.stdout?.on('data', (b: Buffer) => {
          stdout += b.toString('utf8');
          if (stdout.includes('gateway listening')) resolve();
        });
      }),
      20_000,
      'the ready line',
    );
    child.kill('SIGTERM');
    const code = await within(ended, 20_000, `the gateway to exit after SIGTERM; stdout: ${JSON.stringify(stdout)}`);
    assert.match(stdout, /gateway stopped\n$/);
    assert.equal(code, 0);
    if (stderr === 'pipe') assert.match(errors, /^iso8583: log file \/dev\/full cannot be written: ENOSPC/);
    assert.deepEqual(readdirSync(dir), ['reversals.jsonl'], 'closed in order: the journal lock released');
  });
}
