// A log file that failed (a full disk) and has room again by the exit: the lines it held are written at the exit (one
// synchronous write, no retry). Before, a failing file's held lines were always dropped at the exit, even though the
// disk had recovered. A real child process logging to a real file on a small real tmpfs filled by a ballast file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpfsFolder, within } from '@iso8583/test-support';

const LOGGER = fileURLToPath(new URL('../src/logger.js', import.meta.url));

const CHILD = `
import { createLogger } from ${JSON.stringify(LOGGER)};
const { logger } = createLogger({ level: 'info', file: process.argv[1], format: 'json' });
logger.info('held while the disk was full');
process.stdin.once('data', () => process.exit(0));
`;

test('createLogger – a log file whose disk recovered gets its held lines at the exit', async (t) => {
  const dir = tmpfsFolder(t, '64k', 'iso8583-log-recovers-');
  if (dir === undefined) return;
  const file = join(dir, 'gateway.log');
  writeFileSync(file, '');
  // Fill the tmpfs: the log's first write fails with ENOSPC.
  const ballast = join(dir, 'ballast');
  try {
    writeFileSync(ballast, Buffer.alloc(1024 * 1024));
  } catch {
    // full now: what was written stays
  }
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, file], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  const failed = new Promise<void>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      if (stderr.includes('cannot be written: ENOSPC')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await within(failed, 20_000, 'the log write to fail with ENOSPC');
  rmSync(ballast);
  child.stdin.end('exit\n');
  const code = await within(exited, 20_000, `the child to exit; stderr: ${stderr}`);
  assert.equal(code, 0);
  assert.match(readFileSync(file, 'utf8'), /"msg":"held while the disk was full"/);
});
