// A log file whose disk recovered while lines keep coming: its failure episode ends ("written again", the count of
// lines dropped) once there is room again (less than half the bound held), not only once it holds nothing, which
// steady logging may put off for long. The child logs one more line at each write of its file, so that it never holds
// nothing until it stops. A real child process, a real file on a real tmpfs filled by a ballast file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { tmpfsFolder, within } from '@iso8583/test-support';
import { runModule, watchChild } from './cli-process.js';

const LOGGER = fileURLToPath(new URL('../src/logger.js', import.meta.url));
const PINO = pathToFileURL(createRequire(import.meta.url).resolve('pino')).href;
/** Lines of about 1 KB: 10 MB, past the 8 MiB bound. */
const LINES = 10_000;

// Fills the backlog on the full disk; on 'feed', logs a line at each write of the file until it holds under 2 MiB,
// then says 'low' on standard error (after any notice of the log file, in order).
const CHILD = `
import { createLogger } from ${JSON.stringify(LOGGER)};
import pino from ${JSON.stringify(PINO)};
const { logger } = createLogger({ level: 'info', file: process.argv[1], format: 'json' });
const destination = logger[pino.symbols.streamSym];
const line = 'x'.repeat(1000);
for (let i = 0; i < ${LINES}; i++) {
  logger.info({ n: i }, line);
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
console.log('filled');
let feeding = false;
destination.on('write', () => {
  if (!feeding) return;
  if (destination._len < 2 * 1024 * 1024) {
    feeding = false;
    process.stderr.write('low\\n');
    return;
  }
  logger.info('fed');
});
process.stdin.on('data', (b) => {
  if (String(b).includes('feed')) {
    feeding = true;
    logger.info('fed');
  }
  if (String(b).includes('exit')) process.exit(0);
});
`;

test('createLogger – a recovered log file under steady logging says it is written again once it has room, not once it holds nothing', async (t) => {
  const dir = tmpfsFolder(t, '16m', 'iso8583-log-room-');
  if (dir === undefined) return;
  const file = join(dir, 'gateway.log');
  writeFileSync(file, '');
  const ballast = join(dir, 'ballast');
  try {
    writeFileSync(ballast, Buffer.alloc(32 * 1024 * 1024));
  } catch {
    // full now: what was written stays
  }
  const child = runModule(t, CHILD, [file], 'pipe');
  const watched = watchChild(child);
  await within(watched.printed('filled\n'), 60_000, `the child to fill its backlog; stderr: ${watched.stderr}`);
  rmSync(ballast);
  child.stdin?.write('feed\n');
  await within(watched.printed('low\n', 'stderr'), 60_000, `the child to drain its backlog; stderr: ${watched.stderr}`);
  const before = watched.stderr.slice(0, watched.stderr.indexOf('low\n'));
  assert.match(before, /written again; \d+ log lines dropped while it could not be\n/, 'the episode ended while the file still held lines');
  child.stdin?.end('exit\n');
  assert.equal(await within(watched.exited, 20_000, `the child to exit; stderr: ${watched.stderr}`), 0);
});
