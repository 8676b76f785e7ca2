// `iso8583 load --duration S --rate R` against a host slower than R: the run stops sending at the end of the duration
// by the clock (the slots still due are counted as not sent, behind schedule), rather than sending every slot due
// before the end however late (50 requests over 10 s for --duration 1 --rate 50 with a host answering in 200 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { LoadSummary } from '../src/index.js';
import { formatSummary } from '../src/load/summary.js';
import { BIN } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load --duration 1 --rate 50 with a host answering in 200 ms ends about 1 s in and counts the slots not sent', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => {
    const timer = setTimeout(() => socket.write(answerFrame(request)), 200);
    socket.once('close', () => clearTimeout(timer));
  });
  const child = spawn(process.execPath, [BIN, 'load', '--port', String(port), '--clients', '1', '--duration', '1', '--rate', '50', '--json', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Not a speed test: a generous bound, far below the 10 s every slot of the second would take one by one.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('load --duration 1 did not end within 5 s: slots due before the end are still being sent late')), 5000);
  });
  const code = await Promise.race([closed, late]).finally(() => clearTimeout(timer));
  const text = Buffer.concat(out).toString('utf8');
  assert.notEqual(text, '', `no summary; stderr: ${Buffer.concat(err).toString('utf8')}`);
  const summary = JSON.parse(text) as LoadSummary;
  assert.ok(summary.sent >= 1 && summary.sent < 50, `sent ${summary.sent}`);
  assert.equal(summary.answered, summary.sent, 'every request sent is answered (its answer is waited for)');
  assert.equal(summary.sent + (summary.behindSchedule ?? 0), 50, 'each of the 50 slots of the second is sent or counted as behind schedule');
  assert.equal(summary.notSent, summary.behindSchedule, 'the slots behind schedule are requests not sent');
  assert.equal(code, 1, 'not every request asked for was sent: exit 1');
});

test('the summary says how many requests were not sent behind schedule, apart from those lost with their connection', () => {
  const text = formatSummary({
    clients: 1, connectFailures: 0, lostConnections: 0, sent: 5, notSent: 47, behindSchedule: 45, answered: 5, unmatched: 0, undecodable: 0,
    durationMs: 1200, tps: 4, latencyMs: null, outcomes: { '00': 5 },
  });
  assert.match(text, /5 answered of 5 sent in 1\.20 s; 2 never sent \(connection lost\); 45 not sent \(behind schedule\)\n/);
});
