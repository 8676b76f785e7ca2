// A folder as stdin (`iso8583 decode < /tmp`): Node reads it as an empty stream, and the command said "the input is
// empty"; it now says stdin is a folder, for decode, encode and send alike. The real binary, a real folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-process.js';

test('decode, encode and send with a folder as stdin: ISO8583_ERR_CLI_INPUT saying stdin is a folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stdin-folder-'));
  const fd = openSync(dir, 'r');
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  for (const [args, what] of [[['decode'], 'the wire image'], [['encode'], 'the message'], [['send', '--port', '1'], 'the message']] as const) {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: [fd, 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 1, args[0]);
    assert.equal(stderr, `iso8583: ISO8583_ERR_CLI_INPUT: ${what} is read from stdin, and stdin is a folder (EISDIR): give a file or a pipe\n`);
  }
});
