// `iso8583 decode` of raw bytes that happen to be hex characters only (an iso87ascii message of digits and a hex
// bitmap): a failed write of its output is the output's failure, never "give --input hex"; a reader that went away
// (`| head -1`) ends it quietly, exit 0. The real binary, /dev/full and a real pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { BIN, runCli } from './cli-process.js';

/** The wire image of a 0200 (iso87ascii) with no text field: every byte a hex character. */
async function hexOnlyMessage(frame: string[]): Promise<Buffer> {
  const r = await runCli(['encode', ...frame], '{"0":"0200","3":"000000","4":"000000001000","11":"000001"}');
  assert.equal(r.code, 0, r.stderr);
  const bytes = Buffer.from(r.stdout.trim(), 'hex');
  assert.match(bytes.toString('latin1'), /^[0-9A-F]+$/);
  return bytes;
}

test('decode of hex-character bytes to a full disk: ISO8583_ERR_CLI_OUTPUT, not a hint to give --input hex', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const message = await hexOnlyMessage([]);
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const child = spawn(process.execPath, [BIN, 'decode'], { stdio: ['pipe', full, 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin?.end(message);
  assert.equal(await ended, 1);
  assert.equal(stderr, 'iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: ENOSPC (no space left on device)\n');
});

test('decode --frame of hex-character frames whose reader closed the pipe: exit 0, no error line', async (t) => {
  const frame = await hexOnlyMessage(['--frame', 'ascii4']);
  const child = spawn(process.execPath, [BIN, 'decode', '--frame', 'ascii4'], { stdio: 'pipe' });
  t.after(() => child.kill());
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.on('error', () => undefined);
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(b.toString('utf8')));
    child.once('close', () => reject(new Error(`the command ended before printing: ${stderr}`)));
  });
  child.stdin.write(frame);
  assert.match(await firstLine, /^\{"0":"0200",/);
  // The reader goes away (as `head -1` does once it has its line); the next message finds the pipe closed.
  child.stdout.destroy();
  child.stdin.write(frame);
  assert.equal(await ended, 0);
  assert.equal(stderr, '');
});

test('a --frame stream of hex characters whose later frame does not decode keeps the codec\'s error, no --input hex hint', async () => {
  const frame = await hexOnlyMessage(['--frame', 'ascii4']);
  const r = await runCli(['decode', '--frame', 'ascii4'], Buffer.concat([frame, Buffer.from('00040000')]));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^\{"0":"0200",/);
  assert.doesNotMatch(r.stderr, /--input hex/);
  assert.match(r.stderr, /in frame 2/);
});
