// A log file that cannot be written (a full disk) keeps at most LOG_FILE_BACKLOG bytes of lines and drops (counts) the
// rest, says so once, and once it is written again says how many lines were dropped. Before, it kept every line (a
// gateway's heap grew by each line logged on a full disk) and printed its notice at every failed write; a process that
// ends while its file fails says how many lines it dropped (before, the count was lost at the exit). Real child
// processes writing to the real /dev/full, and to a real file on a real tmpfs filled by a ballast file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpfsFolder, within } from '@iso8583/test-support';
import { LOG_FILE_BACKLOG, LOG_LINES_DROPPED } from '../src/log-file-backlog.js';
import { runModule, watchChild } from './cli-process.js';

const LOGGER = fileURLToPath(new URL('../src/logger.js', import.meta.url));
const PINO = pathToFileURL(createRequire(import.meta.url).resolve('pino')).href;
/** Lines of about 1 KB each logged by the child: 20 MB, well past the bound. */
const LINES = 20_000;

// Logs LINES lines (yielding now and then, as a process does), then prints what its destination holds and dropped.
const CHILD = `
import { createLogger } from ${JSON.stringify(LOGGER)};
import pino from ${JSON.stringify(PINO)};
const { logger } = createLogger({ level: 'info', file: process.argv[1], format: 'json' });
const destination = logger[pino.symbols.streamSym];
let drops = 0;
destination.on('drop', () => drops++);
const line = 'x'.repeat(1000);
for (let i = 0; i < ${LINES}; i++) {
  logger.info({ n: i }, line);
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
console.log(JSON.stringify({ held: destination._len, drops }));
process.stdin.on('data', (b) => {
  if (String(b).includes('after')) logger.info('after');
  if (String(b).includes('exit')) process.exit(0);
});
`;

/** Bytes of one line the child logs (its JSON, up to the newline), at most. */
const LINE_BYTES = 1100;

test('createLogger – a log file on /dev/full keeps at most LOG_FILE_BACKLOG bytes, drops the rest, says so once', async (t) => {
  const child = runModule(t, CHILD, ['/dev/full'], 'pipe');
  const watched = watchChild(child);
  await within(watched.printed('}\n'), 60_000, 'the child to log its lines');
  const { held, drops } = JSON.parse(watched.stdout) as { held: number; drops: number };
  assert.ok(held <= LOG_FILE_BACKLOG, `held ${held} bytes, more than the bound ${LOG_FILE_BACKLOG}`);
  assert.ok(held > LOG_FILE_BACKLOG - LINE_BYTES, `held ${held} bytes: the bound is filled before a line is dropped`);
  assert.ok(drops >= LINES - Math.ceil(LOG_FILE_BACKLOG / 1000), `${drops} lines dropped`);
  child.stdin?.end('exit\n');
  assert.equal(await within(watched.exited, 20_000, `the child to exit; stderr: ${watched.stderr}`), 0);
  const notices = watched.stderr.split('\n').filter((l) => l.includes('cannot be written'));
  assert.deepEqual(notices, [
    'iso8583: log file /dev/full cannot be written: ENOSPC (no space left on device); its lines are kept in memory (up to 8 MiB) and written once it can be, further lines are dropped and counted',
  ]);
  // The process ends in the episode: its count is said at the exit (no write ends it). Before, nothing was said.
  const ends = watched.stderr.split('\n').filter((l) => l.includes('the process ends'));
  assert.deepEqual(ends, [`iso8583: log file /dev/full: ${drops} log lines dropped; the process ends while it could not be written`]);
});

test('createLogger – a log file whose disk recovers gets its held lines and a line with the count dropped', async (t) => {
  const dir = tmpfsFolder(t, '16m', 'iso8583-log-backlog-');
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
  await within(watched.printed('}\n'), 60_000, 'the child to log its lines');
  const { drops } = JSON.parse(watched.stdout) as { drops: number };
  rmSync(ballast);
  // One more line: taken (it fits what is left) it tries at once, dropped it starts a try within a second.
  child.stdin?.write('after\n');
  await within(watched.printed('written again', 'stderr'), 20_000, `the log file to be written again; stderr: ${watched.stderr}`);
  child.stdin?.end('exit\n');
  assert.equal(await within(watched.exited, 20_000, `the child to exit; stderr: ${watched.stderr}`), 0);
  const said = /written again; (\d+) log lines dropped while it could not be\n/.exec(watched.stderr);
  const dropped = Number(said?.[1]);
  assert.ok(dropped === drops || dropped === drops + 1, `${dropped} said dropped, ${drops} dropped before the last line`);
  assert.equal(watched.stderr.split('cannot be written').length, 2, watched.stderr);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.filter((l) => l.msg === 'x'.repeat(1000)).length, LINES - drops, 'every line held is written');
  const warning = lines.find((l) => l.code === LOG_LINES_DROPPED);
  assert.equal(warning?.dropped, dropped, 'the log says how many lines it lost');
});
