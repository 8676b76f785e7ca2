// `iso8583 load` whose stderr cannot be written (here /dev/full: ENOSPC; a closed pipe alike): its progress lines are
// lost, never the run and its summary on stdout. A failed progress write was an uncaught `error` event before: the
// process died at its first progress line, exit 1, no summary. The real binary, a real host, a real /dev/full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load with an unwritable stderr still runs to its end and prints its summary (exit 0)', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const port = await loadHost(t, (request, _payload, socket) => socket.write(answerFrame(request)));
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  // Five requests at two a second: the run lasts two seconds at least, past its first progress line (at one second).
  const child = spawn(process.execPath, [BIN, 'load', '--port', String(port), '--clients', '1', '--count', '5', '--rate', '2', '--json'], {
    stdio: ['ignore', 'pipe', full],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  const code = await within(new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c))), 30_000, 'load to end');
  assert.notEqual(stdout, '', 'the summary is printed');
  const summary = JSON.parse(stdout) as { sent: number; answered: number; durationMs: number };
  assert.ok(summary.durationMs >= 1_000, `the run outlived its first progress line (${summary.durationMs} ms)`);
  assert.equal(summary.answered, 5);
  assert.equal(code, 0, 'the run\'s own outcome');
});
