// A held lock's touch when no worker thread can be made (lock-touch.ts): a process under the permission model without
// the right to make workers (ERR_ACCESS_DENIED). Making the worker threw inside the touch's timer and killed the process
// one period after every start; now the touch falls back to a synchronous futimes (the lock is still kept fresh) and
// says so once. A real child process under the permission model, a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from './helpers/setup.js';

/** The flag of the permission model on this Node (`--permission` from 22, experimental before). */
const PERMISSION = Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

test('a lock touch in a process that may not make workers touches on the event loop, says so once, never crashes', async (t) => {
  const dir = tempDir(t, 'lock-touch-no-worker');
  const file = join(dir, 'held.lock');
  writeFileSync(file, 'owner\n');
  const touchModule = pathToFileURL(fileURLToPath(new URL('../src/lock-touch.js', import.meta.url))).href;
  // The child touches every 20 ms. Once told (the first touch), it lives ten periods more (the old code died at the
  // first), then prints what it was told and whether the file's time moved. On Node 20 the permission model refuses a
  // futimes of a descriptor too, so the fallback touch fails there (told, fresh false); where it may, it touches.
  const script = `
    import { statSync, utimesSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(touchModule)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    utimesSync(file, new Date(1000), new Date(1000));
    // The touch never keeps a process alive (its timer is unref'd): this does, as a server would.
    const alive = setInterval(() => undefined, 1000);
    const told = [];
    let touch;
    await new Promise((resolve) => {
      touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 10000 }, (reason, trouble) => { told.push({ reason, fresh: trouble === 'no-worker' }); resolve(); });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await touch.stop();
    const moved = statSync(file).mtimeMs > 1000;
    await handle.close();
    clearInterval(alive);
    console.log(JSON.stringify({ told, moved }));
  `;
  const child = spawn(process.execPath, [PERMISSION, '--allow-fs-read=*', '--allow-fs-write=*', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(code, 0, `the child ended ${code}: ${err}`);
  const seen = JSON.parse(out.trim()) as { told: { reason: string; fresh: boolean }[]; moved: boolean };
  assert.equal(seen.told.length, 1, 'told once');
  assert.equal(seen.told[0]?.reason, 'ERR_ACCESS_DENIED');
  assert.equal(seen.moved, seen.told[0]?.fresh, 'told fresh exactly when the fallback touch moved the time');
});

test('a lock touched on the event loop still tells a later failed touch (the notice does not use up the failure once)', async (t) => {
  const dir = tempDir(t, 'lock-touch-no-worker-fail');
  const file = join(dir, 'held.lock');
  writeFileSync(file, 'owner\n');
  const touchModule = pathToFileURL(fileURLToPath(new URL('../src/lock-touch.js', import.meta.url))).href;
  // The child waits for the first notice; if it was the event-loop notice (fresh), it closes the descriptor under the
  // touch (each touch then fails, as on a stale mount) and waits for the failure to be told, up to a deadline.
  const script = `
    import { statSync } from 'node:fs';
    import { open } from 'node:fs/promises';
    const { touchEvery } = await import(${JSON.stringify(touchModule)});
    const file = ${JSON.stringify(file)};
    const handle = await open(file, 'r');
    const alive = setInterval(() => undefined, 1000);
    const told = [];
    let next;
    const tell = () => new Promise((resolve) => (next = resolve));
    const first = tell();
    const touch = touchEvery(handle, statSync(file).dev, { every: 20, bound: 10000 }, (reason, trouble) => { told.push({ reason, fresh: trouble === 'no-worker' }); next(); });
    await first;
    if (told[0].fresh) {
      const second = tell();
      await handle.close();
      await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    await touch.stop();
    clearInterval(alive);
    console.log(JSON.stringify({ told }));
  `;
  const child = spawn(process.execPath, [PERMISSION, '--allow-fs-read=*', '--allow-fs-write=*', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(code, 0, `the child ended ${code}: ${err}`);
  const seen = JSON.parse(out.trim()) as { told: { reason: string; fresh: boolean }[] };
  if (seen.told[0]?.fresh !== true) {
    // Node 20: the permission model refuses the fallback futimes too, so the first notice is already the failure.
    t.skip('the fallback touch is refused on this Node: no event-loop notice to follow');
    return;
  }
  assert.equal(seen.told.length, 2, `the failure after the notice is told: ${JSON.stringify(seen.told)}`);
  assert.equal(seen.told[1]?.fresh, false);
});
