// A process whose endpoint runs the host simulator with a long `delay` ends soon after the endpoint's close() gives up
// on the message still waiting: the close aborts its `context.signal` and the simulator clears its timer. Before, the
// timer held the process open for the rest of the delay (`iso8583 demo --once --bank-delay 60000` printed "demo done"
// at ~12 s and exited at ~65 s). A real child process, a real socket on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./support/simulator-close.js', import.meta.url));
/** The simulator's delay: far longer than the bound below. */
const DELAY = 60_000;
/** The child's whole run (a process start, a purchase, a close with a 200 ms deadline) must end within this. */
const BOUND = 15_000;

test('host simulator – a process whose endpoint closes while a delayed answer waits exits without waiting out the delay', async (t) => {
  const started = performance.now();
  const child = spawn(process.execPath, [CHILD, String(DELAY)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'bound'>((resolve) => (timer = setTimeout(() => resolve('bound'), BOUND)));
  const outcome = await Promise.race([exit, bound]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  assert.notEqual(outcome, 'bound', `the process was still running ${BOUND} ms after it started (stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)})`);
  assert.equal(outcome, 0, `the child failed: ${stderr}`);
  assert.equal(stdout, 'closed\n');
  assert.ok(ms < BOUND, `exited after ${ms} ms`);
});
