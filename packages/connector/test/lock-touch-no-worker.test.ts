// A held lock's touch when no worker thread can be made, or its worker dies at its start (lock-touch.ts). Making the
// worker threw inside the touch's timer and killed the process one period after every start; now the touch falls back
// to a synchronous futimes on the event loop (the lock is still kept fresh) and says so once, and a later failed touch
// is still told. Real child processes, real files, no mocks. What each test expects is decided before the code under
// test runs, never read from its result: the first by what this Node's permission model does with a futimes of a
// descriptor (probed in the child first: refused since the security releases of late 2025, on Node 20 as on 22+), the
// second by a process where the fallback's futimes is allowed on every Node (no permission model; a preload that
// refuses worker threads, as an agent that breaks in workers does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from './helpers/setup.js';

/** The flag of the permission model on this Node (`--permission` from 22, experimental before). */
const PERMISSION = Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

/** The compiled lock-touch module, for the children to import. */
const TOUCH_MODULE = pathToFileURL(fileURLToPath(new URL('../src/lock-touch.js', import.meta.url))).href;

/** Runs a child Node with `args` and the module `script`, and resolves with the JSON line it printed. */
async function child<T>(args: string[], script: string): Promise<T> {
  const proc = spawn(process.execPath, [...args, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    proc.kill('SIGKILL');
  }, 60_000);
  const code = await new Promise<number | null>((resolve) => proc.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(killed, false, `the child did not end within 60 s (printed: ${out.trim() || 'nothing'}; ${err})`);
  assert.equal(code, 0, `the child ended ${code}: ${err}`);
  return JSON.parse(out.trim()) as T;
}

test('a lock touch in a process that may not make workers falls back to the event loop, says so once, never crashes', async (t) => {
  const file = join(tempDir(t, 'lock-touch-no-worker'), 'held.lock');
  writeFileSync(file, 'owner\n');
  // The child first probes a futimes of a descriptor itself; then touches every 20 ms. Once told (the first touch), it
  // lives ten periods more (the old code died at the first), then prints what it was told and whether the time moved.
  const script = `
    import { futimesSync, statSync, utimesSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(TOUCH_MODULE)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    let futimes = 'allowed';
    try { futimesSync(handle.fd, new Date(), new Date()); } catch (err) { futimes = err.code ?? String(err); }
    utimesSync(file, new Date(1000), new Date(1000));
    // The touch never keeps a process alive (its timer is unref'd): this does, as a server would.
    const alive = setInterval(() => undefined, 1000);
    const told = [];
    let touch;
    await new Promise((resolve) => {
      touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 10000 }, (reason, trouble) => { told.push({ reason, trouble }); resolve(); });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await touch.stop();
    const moved = statSync(file).mtimeMs > 1000;
    await touch.closeWhenIdle();
    clearInterval(alive);
    console.log(JSON.stringify({ futimes, told, moved }));
  `;
  const seen = await child<{ futimes: string; told: { reason: string; trouble: string }[]; moved: boolean }>(
    [PERMISSION, '--allow-fs-read=*', '--allow-fs-write=*'],
    script,
  );
  if (seen.futimes === 'allowed') {
    // A Node whose permission model lets a descriptor's time be set: the fallback touch keeps the lock fresh.
    assert.deepEqual(seen.told, [{ reason: 'ERR_ACCESS_DENIED', trouble: 'no-worker' }]);
    assert.equal(seen.moved, true, 'the fallback touch moved the time');
  } else {
    // Node 20 (and 22+ since the same security release): futimes is refused under the permission model, so the
    // fallback touch is made and fails: told once as a failed touch, the time unmoved.
    assert.equal(seen.futimes, 'ERR_ACCESS_DENIED', 'the probe: futimes refused by the permission model');
    assert.deepEqual(seen.told, [{ reason: 'ERR_ACCESS_DENIED', trouble: 'failed' }]);
    assert.equal(seen.moved, false);
  }
});

test('a lock touched on the event loop still tells a later failed touch (the notice does not use up the failure once)', async (t) => {
  const dir = tempDir(t, 'lock-touch-no-worker-fail');
  const file = join(dir, 'held.lock');
  writeFileSync(file, 'owner\n');
  // Every worker thread of the child dies at its start (its preload throws there): each touch falls back to the event
  // loop, where futimes is allowed on every Node (no permission model).
  const preload = join(dir, 'no-workers.cjs');
  writeFileSync(preload, "if (!require('node:worker_threads').isMainThread) throw new Error('no worker threads here');\n");
  // The child waits for the first notice (the event-loop one: the touch made), then closes the descriptor under the
  // touch (each touch then fails, as on a stale mount) and waits for the failure to be told, up to a deadline.
  const script = `
    import { statSync, utimesSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(TOUCH_MODULE)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    utimesSync(file, new Date(1000), new Date(1000));
    const alive = setInterval(() => undefined, 1000);
    const told = [];
    let next;
    const tell = () => new Promise((resolve) => (next = resolve));
    // Unref'd: a deadline not reached must not keep the child alive once it has printed (the interval above does
    // while it waits); each left the child running 20 s after its answer.
    const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
    const first = tell();
    const touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 10000 }, (reason, trouble) => { told.push({ reason, trouble }); next(); });
    await Promise.race([first, deadline(20000)]);
    const moved = statSync(file).mtimeMs > 1000;
    const second = tell();
    await handle.close();
    await Promise.race([second, deadline(20000)]);
    await touch.stop();
    clearInterval(alive);
    console.log(JSON.stringify({ told, moved }));
  `;
  const seen = await child<{ told: { reason: string; trouble: string }[]; moved: boolean }>(['--require', preload], script);
  assert.deepEqual(seen.told[0], { reason: 'Error', trouble: 'no-worker' }, `the event-loop notice first: ${JSON.stringify(seen.told)}`);
  assert.equal(seen.moved, true, 'the fallback touch moved the time');
  assert.equal(seen.told.length, 2, `the failure after the notice is told: ${JSON.stringify(seen.told)}`);
  assert.equal(seen.told[1]?.trouble, 'failed');
});
