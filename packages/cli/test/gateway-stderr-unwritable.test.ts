// `iso8583 gateway` whose log goes to a standard error that cannot be written (here /dev/full: ENOSPC): its log lines
// are lost, never its stop. A failed log write threw at the code that logged before: a log call inside the gateway's
// close made the close fail half done ("gateway aborted"), and the flush of the log at the end then retried for ever,
// holding the process. The real binary, real sockets, a real /dev/full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

test('gateway with an unwritable standard error stops in order on SIGTERM: "gateway stopped", exit 0', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stderr-full-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const args = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'info'];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', full] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
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
  const code = await within(ended, 20_000, `the gateway to end after SIGTERM; stdout: ${JSON.stringify(stdout)}`);
  assert.match(stdout, /gateway stopped\n$/, 'a stop in order, not an abort');
  assert.equal(code, 0);
  assert.deepEqual(readdirSync(dir), ['reversals.jsonl'], 'closed in order: the journal lock released');
});
