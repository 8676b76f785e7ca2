// `iso8583 NAME` of no command with a standard error that cannot be written (here /dev/full: ENOSPC): the line is
// lost, the exit code is still 2 (a wrong command line), as for any other usage error. Its line was written to stderr
// plainly before, not through io.ts: the failed write threw and the process ended with 1. The real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

test('an unknown command with a full stderr exits 2, as a wrong flag does', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const run = async (args: string[]): Promise<number | null> => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', full] });
    t.after(() => child.kill('SIGKILL'));
    return within(new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))), 20_000, `iso8583 ${args.join(' ')} to end`);
  };
  assert.equal(await run(['decode', '--no-such-flag']), 2, 'the reference: a wrong flag');
  assert.equal(await run(['decod']), 2);
  assert.equal(await run(['help', 'decod']), 2);
});
