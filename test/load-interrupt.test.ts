/**
 * `iso8583 load` stopped by Ctrl-C (SIGINT) prints the summary of what was done, marked interrupted, with exit code
 * 130; a run against a host that answers nothing prints no latency figures.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { exitWithin, startCli, startSimulator, stopAll } from './helpers/cli.js';

after(stopAll);

test('Ctrl-C: the partial summary on stdout, interrupted, exit 130', async () => {
  const bank = await startSimulator(['--delay', '50']);
  const p = startCli(['load', '--port', String(bank.port), '--clients', '2', '--count', '1000000', '--json']);
  // The progress line on stderr (one a second when stderr is not a terminal) shows answers: then interrupt.
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (/answered [1-9]/.test(p.stderr())) {
        p.child.stderr?.off('data', onData);
        resolve();
      }
    };
    p.child.stderr?.on('data', onData);
    void p.exited.then(() => reject(new Error(`load ended before any answer: ${p.stderr()}`)));
  });
  p.kill('SIGINT');
  const exit = await exitWithin(p, 20_000, 'load after SIGINT');
  assert.equal(exit.code, 130, p.stderr());
  const summary = JSON.parse(p.stdout()) as { interrupted?: boolean; sent: number; answered: number; latencyMs: { p50: number } | null };
  assert.equal(summary.interrupted, true);
  assert.ok(summary.answered > 0 && summary.answered < 1_000_000, `answered ${summary.answered}`);
  assert.equal(summary.answered, summary.sent, 'the requests in flight were waited for');
  assert.ok(summary.latencyMs !== null && summary.latencyMs.p50 >= 50);
});

test('a host that answers nothing: the summary prints "-" for the latency, not p50 0.00', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const p = startCli(['load', '--port', String(port), '--clients', '1', '--count', '2', '--timeout', '200', '--quiet']);
  const exit = await exitWithin(p, 20_000, 'load against a silent host');
  for (const s of sockets) s.destroy();
  silent.close();
  assert.equal(exit.code, 1);
  assert.match(p.stdout(), /^latency ms +- \(nothing answered\)$/m);
  assert.doesNotMatch(p.stdout(), /p50 0\.00/);
});
