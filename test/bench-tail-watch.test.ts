/**
 * The gateway benchmark's tail-watch (bench/gateway/tail-watch.ts), loaded into the real `iso8583 gateway` as the
 * benchmarks load it, must see the journal's compactions while running and the requests they overlap in every window,
 * not only in the first: its figures name what makes the tail, and a window that always reports "0 during a
 * compaction" hides the cause. The journal is made to compact every few purchases (bench/gateway/journal-knobs.ts, a
 * preallocated part of 4 KiB) and every request counts as slow (`BENCH_TAIL_SLOW=0`); a POS terminal sends purchases
 * one after the other until a window after the first reports requests during a compaction (its deadline fails the
 * test with the lines seen). No sleeps: the windows are the watch's own timer, waited on by its lines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-tail-watch-'));
const bench = join(repoRoot(), 'bench', 'dist', 'gateway');
let gateway: CliProcess;
let pos: PosClient;

before(async () => {
  const bank = await startSimulator(['--balance', '999999999999']);
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--no-transaction-log'], {
    env: {
      NODE_OPTIONS: `--import ${join(bench, 'journal-knobs.js')} --import ${join(bench, 'tail-watch.js')}`,
      BENCH_JOURNAL_PREALLOCATE: '4096',
      BENCH_TAIL_WATCH: '200',
      BENCH_TAIL_SLOW: '0',
    },
  });
  gateway = gw.process;
  pos = await PosClient.open(gw.pos.host, gw.pos.port);
});

after(async () => {
  await pos?.close();
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The "requests during a compaction" count of each window's slow-requests line printed so far. */
function duringCompaction(stderr: string): number[] {
  return [...stderr.matchAll(/slow requests: (?:no request over|(\d+) over .*?, (\d+) during a compaction)/g)].map((m) => Number(m[2] ?? 0));
}

test('tail-watch sees the requests during a compaction in every window, not only the first', async () => {
  const deadline = Date.now() + 30_000;
  let stan = 0;
  // Purchases one after the other until a window after the first counted requests during a compaction.
  while (!duringCompaction(gateway.stderr()).slice(1).some((n) => n > 0)) {
    assert.ok(Date.now() < deadline, `no window after the first saw a request during a compaction; stderr: ${gateway.stderr().slice(-3000)}`);
    stan += 1;
    const answer = await pos.request(purchase('TAILW001', stan, 100));
    assert.equal(answer['39'], '00');
  }
  assert.match(gateway.stderr(), /\[journal-knobs \d+\] preallocate 4096/);
  // The compactions while running are timed (the `compaction` row of a window with traffic is not empty).
  assert.match(gateway.stderr(), /compaction \d+\.\d\/\d+\.\d\/\d+\.\d/);
});

/** Each window's slow-request breakdown: the mean `add` and `done` of its slow requests (ms). */
function journalWaits(stderr: string): { add: number; done: number }[] {
  return [...stderr.matchAll(/slow requests: \d+ over \d+ ms: mean [\d.]+ ms = add ([\d.]+) \+ done ([\d.]+)/g)].map((m) => ({
    add: Number(m[1]),
    done: Number(m[2]),
  }));
}

test('tail-watch follows each request to its two journal waits (the trace kept on the message, then on the entry)', async () => {
  const deadline = Date.now() + 30_000;
  let stan = 500;
  // Every request counts as slow here: a window with purchases reports the mean of their reversal and outcome appends,
  // which are durable writes (never 0.0 ms) only when the trace reached the journal entry from the relay's message.
  while (!journalWaits(gateway.stderr()).some((w) => w.add > 0 && w.done > 0)) {
    assert.ok(Date.now() < deadline, `no window reported the journal waits of its requests; stderr: ${gateway.stderr().slice(-3000)}`);
    stan += 1;
    const answer = await pos.request(purchase('TAILW002', stan, 100));
    assert.equal(answer['39'], '00');
  }
  // The batches' own times (kept on each batch): the wait before a write starts is measured.
  assert.match(gateway.stderr(), /batch-queued \d+\.\d\/\d+\.\d\/\d+\.\d/);
});
