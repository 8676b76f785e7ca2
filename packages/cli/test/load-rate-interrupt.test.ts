// `iso8583 load --rate` stopped by Ctrl-C (SIGINT): it stops taking requests at once (a slot not due yet is not waited
// for). The summary of an interrupted run otherwise: test/load-interrupt.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { LoadSummary } from '../src/index.js';
import { BIN } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

/** `iso8583 load ...args --json` as a child process: SIGINT it with `interrupt()`, `ended(ms)` fails past its deadline. */
function load(t: { after: (fn: () => void) => void }, args: string[]): { interrupt: () => void; ended: (ms: number) => Promise<{ code: number | null; summary: LoadSummary }> } {
  const child = spawn(process.execPath, [BIN, 'load', ...args, '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    interrupt: () => child.kill('SIGINT'),
    ended: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`load did not end within ${ms} ms of its SIGINT`)), ms);
      });
      try {
        const code = await Promise.race([closed, late]);
        const text = Buffer.concat(out).toString('utf8');
        assert.notEqual(text, '', `no summary; stderr: ${Buffer.concat(err).toString('utf8')}`);
        return { code, summary: JSON.parse(text) as LoadSummary };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

test('load --rate stopped by SIGINT does not wait for its next slot: the summary comes at once, exit 130', async (t) => {
  let first: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    first = resolve;
  });
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.write(answerFrame(request));
    first();
  });
  // One request every 60 s: the first goes at once, the second is due a minute later.
  const run = load(t, ['--port', String(port), '--clients', '1', '--count', '3', '--rate', String(1 / 60)]);
  await answered;
  run.interrupt();
  const { code, summary } = await run.ended(20_000);
  assert.equal(code, 130);
  assert.equal(summary.interrupted, true);
  assert.equal(summary.sent, 1);
  assert.equal(summary.answered, 1);
  assert.equal(summary.notSent, 0, 'the slot not yet due was never taken for sending');
  assert.ok(summary.durationMs < 20_000, `durationMs ${summary.durationMs}`);
});
