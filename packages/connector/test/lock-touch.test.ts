// A held lock's touch (lock-touch.ts): a synchronous futimes in a worker thread of its own, off the event loop (a
// stalled shared volume blocked every socket of the process when the touch ran there) and off the thread pool
// (folder-lock-touch.test.ts). Here: a real file is touched again and again, and stopping waits for the touch in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
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
  const touch = touchEvery(handle, statSync(file).dev, 50, (reason) => failures.push(reason));
  for (let round = 0; round < 3; round++) {
    utimesSync(file, new Date(1000), new Date(1000));
    await waitUntil(() => statSync(file).mtimeMs > 1000, { what: `touch ${round + 1} of the file`, timeoutMs: 10_000, intervalMs: 10 });
  }
  await touch.stop();
  await handle.close();
  assert.deepEqual(failures, []);
});
