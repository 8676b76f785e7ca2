// A held lock's touch that hangs (a stalled volume, an NFS mount gone away: lock-touch.ts). It was never told (the next
// touches saw one in flight and were skipped), so the lock went stale in silence; and a stop waited for it with the
// worker referenced, so the process could not end. Now a touch past its bound is told once, as a failed touch is; a stop
// does not wait for it past its bound; its descriptor stays open until it ends; the process ends on its own. The hang
// is the internal test seam (lock-touch.ts `TouchSeam`: the worker waits on a shared gate before it touches); the file,
// the worker and the child process are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fstatSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventWithin, waitUntil, within } from '@iso8583/test-support';
import { touchEvery } from '../src/lock-touch.js';
import type { TouchTrouble } from '../src/lock-touch.js';
import { tempDir } from './helpers/setup.js';

/** A gate of the test seam: the worker's touches wait while its first element is 0. */
function gate(): { gate: Int32Array; open(): void } {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return {
    gate: cell,
    open() {
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    },
  };
}

test('a hung touch is told once within its bound; once it ends, the next touches land and nothing more is told', async (t) => {
  const file = join(tempDir(t, 'lock-touch-hung'), 'held.lock');
  writeFileSync(file, 'owner\n');
  const handle = await open(file, 'r');
  t.after(() => handle.close());
  // The touch's timers never keep a process alive: the test's own handle does, as a server's would.
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  const held = gate();
  t.after(() => held.open());
  const told: { reason: string; trouble: TouchTrouble; at: number }[] = [];
  const bound = 300;
  const begun = performance.now();
  let onTold = (): void => undefined;
  const touch = touchEvery(handle, statSync(file).dev, { every: 20, bound }, (reason, trouble) => {
    told.push({ reason, trouble, at: performance.now() - begun });
    onTold();
  }, { gate: held.gate });
  t.after(() => touch.stop());
  // The first touch begins at 20 ms and hangs: told at its bound (the deadline leaves room for a loaded machine).
  await eventWithin<void>(10_000, () => `the hung touch to be told (told: ${JSON.stringify(told)})`, (resolve) => (onTold = resolve));
  assert.deepEqual(told.map(({ reason, trouble }) => ({ reason, trouble })), [{ reason: 'ETIMEDOUT', trouble: 'hung' }]);
  assert.ok(told[0]!.at >= bound, `told at ${told[0]!.at} ms, before the bound of ${bound} ms`);
  held.open();
  for (let round = 0; round < 3; round++) {
    utimesSync(file, new Date(1000), new Date(1000));
    await waitUntil(() => statSync(file).mtimeMs > 1000, { what: `touch ${round + 1} after the hung one ended`, timeoutMs: 10_000, intervalMs: 10 });
  }
  await within(touch.stop(), 10_000, 'the stop after the hang');
  assert.equal(told.length, 1, `told once: ${JSON.stringify(told)}`);
});

test('a stop does not wait for a hung touch; its descriptor stays open until the touch ends, then is closed', async (t) => {
  const file = join(tempDir(t, 'lock-touch-hung-stop'), 'held.lock');
  writeFileSync(file, 'owner\n');
  const handle = await open(file, 'r');
  t.after(() => handle.close().catch(() => undefined));
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  const held = gate();
  t.after(() => held.open());
  let onTold = (): void => undefined;
  const touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 200 }, () => onTold(), { gate: held.gate });
  await eventWithin<void>(10_000, 'the hung touch to be told', (resolve) => (onTold = resolve));
  await within(touch.stop(), 2000, 'the stop with a hung touch in flight');
  await within(touch.closeWhenIdle(), 2000, 'closeWhenIdle with a hung touch in flight');
  const fd = handle.fd;
  assert.notEqual(fd, -1, 'the descriptor of the hung touch is still open');
  assert.equal(fstatSync(fd).ino, statSync(file).ino);
  held.open();
  await waitUntil(() => handle.fd === -1, { what: 'the descriptor to be closed once the hung touch ended', timeoutMs: 10_000, intervalMs: 10 });
});

test('a process whose lock touch hangs is told, stops and ends on its own', async (t) => {
  const file = join(tempDir(t, 'lock-touch-hung-exit'), 'held.lock');
  writeFileSync(file, 'owner\n');
  const touchModule = pathToFileURL(fileURLToPath(new URL('../src/lock-touch.js', import.meta.url))).href;
  // The gate is never opened: the touch stays hung in its worker. Once the process's own handle is gone, nothing of
  // the touch may keep it alive.
  const script = `
    import { statSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(touchModule)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    const alive = setInterval(() => undefined, 1000);
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const told = [];
    let touch;
    await new Promise((resolve) => {
      touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 200 }, (reason, trouble) => { told.push({ reason, trouble }); resolve(); }, { gate });
    });
    await touch.stop();
    await touch.closeWhenIdle();
    clearInterval(alive);
    console.log(JSON.stringify({ told }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(killed, false, `the child did not end on its own within 30 s (printed: ${out.trim() || 'nothing'})`);
  assert.equal(code, 0, `the child ended ${code}: ${err}`);
  assert.deepEqual(JSON.parse(out.trim()), { told: [{ reason: 'ETIMEDOUT', trouble: 'hung' }] });
});
