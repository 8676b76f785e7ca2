// A held lock's touch (lock-touch.ts): a synchronous futimes in a worker thread of its own, off the event loop (a
// stalled shared volume blocked every socket of the process when the touch ran there) and off the thread pool
// (folder-lock-touch.test.ts). Here: a real file is touched again and again, and stopping waits for the touch in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitUntil } from '@iso8583/test-support';
import { touchEvery } from '../src/lock-touch.js';
import { tempDir } from './helpers/setup.js';

test('touchEvery touches its file at each period, from a worker; a stopped touch lets its descriptor be closed', async (t) => {
  const file = join(tempDir(t, 'lock-touch'), 'held.lock');
  writeFileSync(file, 'owner\n');
  const handle = await open(file, 'r');
  t.after(() => handle.close());
  // The touch never keeps a process alive (its timer and worker are unref'd): the test's own handle does, as a server's would.
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  const failures: string[] = [];
  const touch = touchEvery(handle, statSync(file).dev, { every: 50, bound: 10_000 }, (reason) => failures.push(reason));
  for (let round = 0; round < 3; round++) {
    utimesSync(file, new Date(1000), new Date(1000));
    await waitUntil(() => statSync(file).mtimeMs > 1000, { what: `touch ${round + 1} of the file`, timeoutMs: 10_000, intervalMs: 10 });
  }
  await touch.stop();
  await handle.close();
  assert.deepEqual(failures, []);
});

test('a process run with --input-type=module (inherited by its workers) still touches from a worker', async (t) => {
  const file = join(tempDir(t, 'lock-touch-esm'), 'held.lock');
  writeFileSync(file, 'owner\n');
  const touchModule = pathToFileURL(fileURLToPath(new URL('../src/lock-touch.js', import.meta.url))).href;
  // The worker's code used `require`, which an eval'd worker of such a process lacks: it died at its start and every
  // touch fell back to the event loop, told as `no-worker` (ReferenceError).
  const script = `
    import { statSync, utimesSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(touchModule)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    utimesSync(file, new Date(1000), new Date(1000));
    const alive = setInterval(() => undefined, 1000);
    const told = [];
    const touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 10_000 }, (reason, trouble) => told.push({ reason, trouble }));
    const until = Date.now() + 20_000;
    while (statSync(file).mtimeMs <= 1000 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    await touch.stop();
    await touch.closeWhenIdle();
    clearInterval(alive);
    console.log(JSON.stringify({ told, moved: statSync(file).mtimeMs > 1000 }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, `the child ended ${child.status}: ${child.stderr}`);
  assert.deepEqual(JSON.parse(child.stdout.trim()), { told: [], moved: true });
});
