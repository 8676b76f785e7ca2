// `iso8583 load` interrupted twice (finding rv65h 3): the first SIGINT says it stops and what it waits for; the second,
// which exits at once with 130 while the first waits up to --timeout, names the purchases it had written and not seen
// answered (the host may have booked them; load sends no reversals) on a coded stderr line, never card data. Once it
// printed nothing at all. The real binary against a real host that reads and never answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

test('load: a second SIGINT says what it leaves unreported (the purchase in flight)', async (t) => {
  const sockets: Socket[] = [];
  let received!: () => void;
  const gotRequest = new Promise<void>((resolve) => { received = resolve; });
  const host = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('data', () => received());
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(() => { for (const s of sockets) s.destroy(); host.close(); });
  const { port } = host.address() as { port: number };

  const child = spawn(process.execPath, [BIN, 'load', '--port', String(port), '--clients', '1', '--count', '1', '--timeout', '60000'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString('utf8'); });
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await within(gotRequest, 20_000, 'the purchase at the host');
  // The first SIGINT, then two progress lines (a poll phase between them: the first signal was handled), then the second.
  let lines = -1;
  let ticked!: () => void;
  const twoTicks = new Promise<void>((resolve) => { ticked = resolve; });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    if (lines >= 0) lines += (b.toString('utf8').match(/\n/g) ?? []).length;
    if (lines >= 2) ticked();
  });
  child.kill('SIGINT');
  lines = 0;
  await within(twoTicks, 20_000, 'two progress lines after the first SIGINT');
  child.kill('SIGINT');
  const code = await within(ended, 20_000, 'the load to end');
  assert.equal(code, 130);
  assert.match(stderr, /^SIGINT: stopping, waiting for 1 answer \(SIGINT again exits at once\)$/m);
  assert.match(stderr, /^iso8583: warning: ISO8583_WARN_LOAD_UNANSWERED: SIGINT again: exiting with 1 purchase in flight unanswered, not reversed \(terminal\/STAN\/field 7\): LD000001\/000001\/\d{10}$/m);
  assert.doesNotMatch(stdout + stderr, /4\d{15}|5\d{15}/, 'no card number');
});
