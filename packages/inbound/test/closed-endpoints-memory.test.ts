// Endpoints made, used and closed one after the other in a long-running process (a test suite, a Fastify app that
// registers its plugin again, a host simulator restarted per test) leave nothing behind: every closed endpoint (and its
// host simulator) can be collected, and a second batch does not grow the heap. Counted in a child process run with
// --expose-gc (support/endpoint-churn.ts) by weak references, not by timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHURN = fileURLToPath(new URL('./support/endpoint-churn.js', import.meta.url));
/** Endpoints a batch; two batches a kind. */
const COUNT = 60;
/**
 * Heap growth allowed over the second batch (16 KiB an endpoint): what is kept of each message or connection (a buffer,
 * a socket's state) shows here even when the endpoint itself is let go; the second batch grows by some tens of KiB.
 */
const GROWTH_BOUND = COUNT * 16 * 1024;

interface Churn {
  kind: string;
  count: number;
  firstAlive: number;
  secondAlive: number;
  grownBytes: number;
}

for (const kind of ['plain', 'simulator', 'fastify']) {
  test(`closed endpoints – ${kind}: ${COUNT} made, used and closed twice over leave none alive and the heap flat`, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHURN, kind, String(COUNT)], { encoding: 'utf8' });
    const churn = JSON.parse(stdout) as Churn;
    assert.equal(churn.firstAlive, 0, `${churn.firstAlive} endpoints (or simulators) of the first batch are still alive`);
    assert.equal(churn.secondAlive, 0, `${churn.secondAlive} endpoints (or simulators) of the second batch are still alive`);
    assert.ok(churn.grownBytes < GROWTH_BOUND, `the heap grew by ${Math.round(churn.grownBytes / 1024)} KiB over the second batch of ${COUNT}`);
  });
}
