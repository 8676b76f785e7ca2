// A log file that failed (a full disk) and has room again by the exit: the lines it held are written at the exit (one
// synchronous write, no retry). Before, a failing file's held lines were always dropped at the exit, even though the
// disk had recovered. A real child process logging to a real file on a small real tmpfs filled by a ballast file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpfsFolder, within } from '@iso8583/test-support';
import { runModule, watchChild } from './cli-process.js';

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
  const child = runModule(t, CHILD, [file], 'pipe');
  const watched = watchChild(child);
  await within(watched.printed('cannot be written: ENOSPC', 'stderr'), 20_000, 'the log write to fail with ENOSPC');
  rmSync(ballast);
  child.stdin?.end('exit\n');
  const code = await within(watched.exited, 20_000, `the child to exit; stderr: ${watched.stderr}`);
  assert.equal(code, 0);
  assert.match(readFileSync(file, 'utf8'), /"msg":"held while the disk was full"/);
});
