// `iso8583 load` with many terminals and many requests in flight each. Before, a run started `--clients x
// --in-flight` sending loops up front, whatever its rate: 100 x 1000 at 20 requests a second held 100,000 loops
// waiting for a slot (over 170 MB, a second of the tool's own stall reported as latency; with 5000 terminals 3.5 GB
// and a SIGTERM not answered). Now, at a rate, the loops are started as the schedule needs them, and a product above
// MAX_IN_FLIGHT_TOTAL is refused naming both flags. The real binary, a real host; the memory bound is the child's heap
// limit (no timing is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { within } from '@iso8583/test-support';
import type { LoadSummary } from '../src/index.js';
import { BIN, runCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load --rate with 100 terminals x 1000 in flight runs in a 40 MB heap and answers SIGTERM', async (t) => {
  let first: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (first = resolve));
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.write(answerFrame(request));
    first();
  });
  const args = ['--max-old-space-size=40', BIN, 'load', '--port', String(port), '--clients', '100', '--in-flight', '1000',
    '--rate', '20', '--duration', '600', '--json', '--quiet'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })));
  // Out of memory before the first answer ends the child first: the race says so rather than waiting for the answer.
  const early = await within(Promise.race([answered.then(() => undefined), closed]), 60_000, 'the first request to be answered');
  assert.equal(early, undefined, `load ended before its first answer: ${JSON.stringify(early)} ${stderr.slice(-2000)}`);
  child.kill('SIGTERM');
  const end = await within(closed, 30_000, 'load to end after its SIGTERM');
  assert.deepEqual(end, { code: 143, signal: null }, stderr.slice(-2000));
  const summary = JSON.parse(stdout) as LoadSummary;
  assert.equal(summary.interrupted, true);
  assert.ok(summary.answered >= 1, stdout);
});

test('load refuses more than 100000 requests in flight in total, naming --clients and --in-flight', async () => {
  // Nothing listens on port 1: the refusal comes before any connection.
  const r = await runCli(['load', '--port', '1', '--clients', '200', '--in-flight', '1000', '--rate', '1', '--duration', '1', '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--clients 200 x --in-flight 1000 is 200000 requests in flight: at most 100000/);
  assert.match(r.stderr, /ISO8583_ERR_CLI_OPTION/);
});
