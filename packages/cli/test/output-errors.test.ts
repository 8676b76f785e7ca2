// The output of a one-shot command that cannot be written: a reader that closes the pipe early (`| head -1`) ends the
// command quietly with exit code 0, stdin still open; a full disk is the coded error line and exit code 1. Neither is
// an uncaught `error` event with a stack (the real binary, a real pipe and /dev/full).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { BIN } from './cli-process.js';

/** A 0800 (iso87ascii) in a binary2 frame. */
const FRAME = (() => {
  const message = Buffer.from('08002020000000800000' + '000000' + '000001' + 'TERM0001', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
})();

test('decode --frame whose reader closed the pipe stops at its next message: exit 0, no error line, stdin still open', async (t) => {
  const child = spawn(process.execPath, [BIN, 'decode', '--frame', 'binary2'], { stdio: 'pipe' });
  t.after(() => child.kill());
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.on('error', () => undefined);
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(b.toString('utf8')));
    child.once('close', () => reject(new Error(`the command ended before printing: ${stderr}`)));
  });
  child.stdin.write(FRAME);
  assert.match(await firstLine, /^\{"0":"0800",/);
  // The reader goes away (as `head -1` does once it has its line); the next message finds the pipe closed.
  child.stdout.destroy();
  child.stdin.write(FRAME);
  const code = await ended;
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('encode to a full disk is ISO8583_ERR_CLI_OUTPUT with the system\'s reason and exit code 1, no stack', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const child = spawn(process.execPath, [BIN, 'encode'], { stdio: ['pipe', full, 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin?.end('{"0":"0800","11":"000001","70":"301"}');
  const code = await ended;
  assert.equal(stderr, 'iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: ENOSPC (no space left on device)\n');
  assert.equal(code, 1);
});
