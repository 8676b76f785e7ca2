/**
 * File journal open benchmark: how long a journal's `open` holds the event loop with many open entries (a restart
 * after a long outage of the bank: reversals piled up). A gateway opens one journal per upstream: the first upstream's
 * link connects, signs on and sends the reversals its journal held while the other upstreams' journals open (cli
 * gateway.ts), so a long turn of one open delays the others and that link's traffic. For each count of open entries
 * (purchases' reversals, about 240 bytes a line), a journal is filled and closed, then opened again while a chain of
 * `setImmediate` measures the gaps between turns of the event loop. Printed: the file's size, the open's time and the
 * longest turn.
 * Run: `npx tsc -b bench && node bench/dist/journal-open.bench.js`. Environment: BENCH_OPEN (10000,100000,230000),
 * BENCH_ROUNDS (opens per count, 3).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';
import { fillJournal } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';

const COUNTS = (process.env.BENCH_OPEN ?? '10000,100000,230000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Opens the journal in `dir` once; returns the open's time and the longest turn of the event loop meanwhile (ms). */
async function timedOpen(dir: string): Promise<{ total: number; longest: number; entries: number }> {
  const journal = new FileJournal(dir, { compactInterval: 0 });
  const start = performance.now();
  const turns = watchTurns();
  const entries = (await journal.open()).length;
  const total = performance.now() - start;
  const longest = turns.stop();
  await journal.close();
  return { total, longest, entries };
}

async function run(open: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-open-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 0 });
    await journal.open();
    await fillJournal(journal, open, Date.now());
    await journal.close();
    const mib = (statSync(join(dir, 'reversals.jsonl')).size / 1048576).toFixed(1);
    for (let round = 0; round < ROUNDS; round++) {
      const { total, longest, entries } = await timedOpen(dir);
      console.log(`journal open: ${entries} open entries, file ${mib} MiB: open ${total.toFixed(0)} ms, longest turn ${longest.toFixed(1)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const open of COUNTS) await run(open);
