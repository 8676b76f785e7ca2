// A graceful stop of `iso8583 gateway` (the real binary) with an HTTP client whose request never arrives whole (a body
// announced and never sent) and the default timeouts (--request-timeout 30000, --shutdown-deadline 10000): the request
// is answered 408 soon after the stop begins and the stop ends in order. It held the stop to its deadline before (the
// request's bound, 30 s, outlived it), and the stop then aborted what was left ("shutdown deadline passed"), cutting
// the work of every other client; docs/gateway.md promised a stalled client does not hold the stop to the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { midRequest, within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

test('gateway: a stop with an HTTP request stalled mid-body answers it 408 and ends in order, not at --shutdown-deadline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stop-stalled-'));
  const args = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'warn'];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise<number>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      const m = /http=127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m !== null) resolve(Number(m[1]));
    });
  });
  const port = await within(ready, 20_000, 'the gateway to be ready');

  // The head read (100 Continue), part of the body sent, the rest never.
  const client = await within(midRequest(port, 100), 10_000, 'the gateway to read the request head');
  client.socket.write('{"0":"0200"');

  child.kill('SIGTERM');
  assert.equal(await within(ended, 30_000, 'the gateway to stop'), 0, stderr);
  await within(client.closed, 10_000, 'the client connection to close');
  assert.match(client.text(), /HTTP\/1\.1 408 .*ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT/s, 'the stalled request was answered 408');
  assert.doesNotMatch(stderr, /shutdown deadline passed/, 'the stop ended in order, not at its deadline');
  assert.match(stdout, /gateway stopped\n$/);
});
