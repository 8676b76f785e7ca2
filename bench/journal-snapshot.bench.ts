/**
 * File journal snapshot benchmark: how long a compaction while running holds the event loop (and so the appends) with
 * many open entries (a long outage of the bank: reversals piling up). For each count of open entries (purchases'
 * reversals, about 240 bytes a line), the journal is filled, then one `done` makes a compaction due (compactInterval
 * 1 ms); from that `done` to the `compact` event a chain of `setImmediate` measures the gaps between turns of the
 * event loop. Printed: the text's size, the compaction's time and the longest turn (what an append waits at most for
 * the compaction's CPU; the snapshot's text is built in chunks, journal-compaction.ts's `compactedChunks`).
 * Run: `npx tsc -b bench && node bench/dist/journal-snapshot.bench.js`. Environment: BENCH_OPEN (10000,100000,230000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';
import { fillJournal, reversalJson } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';

const COUNTS = (process.env.BENCH_OPEN ?? '10000,100000,230000').split(',').map(Number);

async function run(open: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-snapshot-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 1 });
    await journal.open();
    await fillJournal(journal, open, Date.now());
    await journal.addJson('gone', reversalJson(0), Date.now());
    const before = journal.batches.compactions;
    const compacted = new Promise<{ bytes: number }>((resolve) => journal.once('compact', resolve));
    const start = performance.now();
    await journal.done('gone', 'not-needed');
    const turns = watchTurns();
    const { bytes } = await compacted;
    const longest = turns.stop();
    const total = performance.now() - start;
    await journal.close();
    console.log(
      `journal snapshot: ${open} open entries, ${(bytes / 1048576).toFixed(1)} MiB: compaction ${total.toFixed(0)} ms ` +
        `(${journal.batches.compactions - before} compaction), longest turn ${longest.toFixed(1)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const open of COUNTS) await run(open);
