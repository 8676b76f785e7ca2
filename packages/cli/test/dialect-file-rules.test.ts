// `--dialect FILE.json|FILE.xml` is read as every flag file is: a regular file of at most 1 MiB, else
// ISO8583_ERR_CLI_FILE naming --dialect, the file and the system's reason, before a byte is read (a device such as
// /dev/zero was read without end, a FIFO with no writer waited for ever, a missing file named neither file nor reason).
// The real binary, real files, a real FIFO.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'iso8583-dialect-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `iso8583 decode --dialect path 00`; killed after 20 s (a read without end, a wait for ever). */
function decodeWith(path: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'decode', '--dialect', path, '00'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

test('a missing dialect file: ISO8583_ERR_CLI_FILE naming --dialect, the file and ENOENT', async () => {
  const path = join(dir, 'missing.json');
  const r = await decodeWith(path);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_FILE: --dialect: cannot read the file ${path}: ENOENT (no such file or directory)\n`);
});

test('a dialect file over 1 MiB is refused before it is read, naming --dialect', async () => {
  const path = join(dir, 'big.json');
  writeFileSync(path, JSON.stringify({ name: 'big', extends: 'iso87ascii', description: 'x'.repeat(1024 * 1024), fields: {} }));
  const r = await decodeWith(path);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_FILE: --dialect: .*big\.json.*1048576 bytes/);
});

test('a dialect file that is a device, a FIFO or a folder is refused at once, naming --dialect and the file', async (t) => {
  const zero = join(dir, 'zero.json');
  if (existsSync('/dev/zero')) symlinkSync('/dev/zero', zero);
  const fifo = join(dir, 'fifo.xml');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.diagnostic('no mkfifo: the FIFO case is left out');
  }
  const folder = join(dir, 'folder.json');
  mkdirSync(folder);
  for (const [path, reason] of [[zero, 'is a character device, not a regular file'], [fifo, 'is a FIFO (named pipe), not a regular file'], [folder, 'EISDIR']] as const) {
    if (!existsSync(path)) continue;
    const r = await decodeWith(path);
    assert.equal(r.code, 1, path);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_FILE: --dialect: /, path);
    assert.ok(r.stderr.includes(path) && r.stderr.includes(reason), r.stderr);
    // A dialect is never read from a pipe: the refusal must not say one is.
    if (path === fifo) assert.ok(!r.stderr.includes('a pipe is read') && r.stderr.includes('.json or .xml'), r.stderr);
  }
});

test('a dialect given as a pipe (/dev/fd/3, a shell\'s <(...)) is refused saying a dialect file\'s path ends in .json or .xml', async () => {
  const child = spawn(process.execPath, [BIN, 'decode', '--dialect', '/dev/fd/3', '00'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], timeout: 20_000 });
  const pipe = child.stdio[3] as NodeJS.WritableStream;
  pipe.on('error', () => {}); // the command may end before it takes the bytes (EPIPE): it never reads them
  pipe.end(JSON.stringify({ name: 'p', extends: 'iso87ascii', fields: {} }));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const code = await new Promise((resolve) => child.once('close', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /^iso8583: ISO8583_ERR_DIALECT_UNKNOWN: field dialect: unknown dialect "\/dev\/fd\/3": .*ending in \.json .* or \.xml /);
});
