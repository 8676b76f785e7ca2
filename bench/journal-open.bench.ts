/**
 * File journal open benchmark: how long a journal's `open` holds the event loop with many open entries (a restart
 * after a long outage of the bank: reversals piled up). A gateway opens one journal per upstream: the first upstream's
 * link connects, signs on and sends the reversals its journal held while the other upstreams' journals open (cli
 * gateway.ts), so a long turn of one open delays the others and that link's traffic. For each count of open entries
 * (purchases' reversals, about 240 bytes a line), a journal is filled and closed, then opened again while a chain of
 * `setImmediate` measures the gaps between turns of the event loop. Printed: the file's size, the open's time and the
 * longest turn. Target, at up to 100,000 open entries: the longest turn under 100 ms (the best round: a busy machine's
 * pauses come and go, a step of the code that holds the loop stays), printed with `met` / `NOT met`; the exit code is
 * 1 when missed. The same bound as the whole start's (connector-resume.bench.ts), of which the open is the first part:
 * the other upstreams' links and the first one's traffic wait that long at most (turn-target.ts). 230,000 entries are printed beside it
 * (120-200 ms when the open was made to yield, from 2.8-2.9 s), with no target.
 * Run: `npx tsc -b bench && node bench/dist/journal-open.bench.js`. Environment: BENCH_OPEN (10000,100000,230000),
 * BENCH_ROUNDS (opens per count, 3).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';
import { fillJournal } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';
import { turnTarget } from './turn-target.js';

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

/** Opens a journal of `open` open entries `ROUNDS` times; returns whether the target was met (or has none). */
async function run(open: number): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-open-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 0 });
    await journal.open();
    await fillJournal(journal, open, Date.now());
    await journal.close();
    const mib = (statSync(join(dir, 'reversals.jsonl')).size / 1048576).toFixed(1);
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const { total, longest, entries } = await timedOpen(dir);
      best = Math.min(best, longest);
      console.log(`journal open: ${entries} open entries, file ${mib} MiB: open ${total.toFixed(0)} ms, longest turn ${longest.toFixed(1)} ms`);
    }
    return turnTarget('journal open', open, best, ROUNDS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let missed = 0;
for (const open of COUNTS) if (!(await run(open))) missed += 1;
if (missed > 0) {
  console.error(`journal open: ${missed} target(s) NOT met`);
  process.exitCode = 1;
}
