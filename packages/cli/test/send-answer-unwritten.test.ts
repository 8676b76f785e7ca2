// `iso8583 send` whose answer cannot be printed (stdout on a full disk): the request was answered at the host, and the
// error line says so, with the answer's key and field 39, so that nobody sends it again (a purchase charged twice).
// The real binary, a real simulator over a real socket, and /dev/full.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { BIN, startCli } from './cli-process.js';
import type { RunningCli } from './cli-process.js';
import { PURCHASE } from './messages.js';

let host: RunningCli | undefined;

before(async () => {
  host = await startCli(['simulate-host', '--port', '0']);
});

after(async () => {
  await host?.stop();
});

test('send of a purchase approved while stdout is full: ISO8583_ERR_CLI_OUTPUT saying the host answered it, key and 39, never the PAN', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const child = spawn(process.execPath, [BIN, 'send', '--port', String(host?.port)], { stdio: ['pipe', full, 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin?.end(JSON.stringify({ ...PURCHASE, '11': '000077' }));
  const code = await ended;
  assert.equal(
    stderr,
    'iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: ENOSPC (no space left on device); the host answered ' +
      'the 0200 (0210, 11 000077, 41 TERM0001, 39 00): do not send it again\n',
  );
  assert.equal(code, 1);
  assert.doesNotMatch(stderr, /4111111111111111/);
});
