/**
 * File journal snapshot benchmark: how long a compaction while running holds the event loop (and so the appends) with
 * many open entries (a long outage of the bank: reversals piling up). For each count of open entries (purchases'
 * reversals, about 240 bytes a line), the journal is filled (its file outgrows the preallocated part again and again:
 * at each growth the journal asks whether a compaction is worth it), then one `done` makes a compaction due
 * (compactInterval 1 ms); from that `done` to the `compact` event a chain of `setImmediate` measures the gaps between
 * turns of the event loop, `BENCH_ROUNDS` times. Printed: the text's size, the compaction's time and the longest turn
 * (what an append waits at most for the compaction's CPU: its snapshot taken and its text built in chunks,
 * journal-live.ts, journal-compaction.ts's `compactedChunks`), and the longest turn while filling. Target, at up to
 * 100,000 open entries: the longest turn of a compaction under 100 ms (best of the rounds: a busy machine's pauses come
 * and go, a step of the code that holds the loop stays), printed with `met` / `NOT met` beside the figures of the same
 * run; the exit code is 1 when missed.
 * Run: `npx tsc -b bench && node bench/dist/journal-snapshot.bench.js`. Environment: BENCH_OPEN (10000,100000,230000),
 * BENCH_ROUNDS (compactions per count, 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '@iso8583/connector';
import { fillJournal, reversalJson } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';

const COUNTS = (process.env.BENCH_OPEN ?? '10000,100000,230000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The longest turn allowed during a compaction (ms), at up to `TARGET_OPEN` open entries. */
const TARGET_TURN_MS = 100;
const TARGET_OPEN = 100_000;

/** One compaction of `journal`, made due by a `done`: its time and the longest turn meanwhile (ms), the text's size. */
async function compaction(journal: FileJournal, round: number): Promise<{ total: number; longest: number; bytes: number }> {
  await journal.addJson(`gone${round}`, reversalJson(round), Date.now());
  const compacted = new Promise<{ bytes: number }>((resolve) => journal.once('compact', resolve));
  const start = performance.now();
  await journal.done(`gone${round}`, 'not-needed');
  const turns = watchTurns();
  const { bytes } = await compacted;
  const longest = turns.stop();
  return { total: performance.now() - start, longest, bytes };
}

/** Fills a journal with `open` open entries and compacts it `ROUNDS` times; returns whether the target was met (or has none). */
async function run(open: number): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-snapshot-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 1 });
    await journal.open();
    const filling = watchTurns();
    await fillJournal(journal, open, Date.now());
    const fill = filling.stop();
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const { total, longest, bytes } = await compaction(journal, round);
      best = Math.min(best, longest);
      console.log(
        `journal snapshot: ${open} open entries, ${(bytes / 1048576).toFixed(1)} MiB: compaction ${total.toFixed(0)} ms, longest turn ${longest.toFixed(1)} ms`,
      );
    }
    await journal.close();
    const target = open <= TARGET_OPEN;
    const met = best < TARGET_TURN_MS;
    console.log(
      `journal snapshot: ${open} open entries: longest turn of a compaction ${best.toFixed(1)} ms (best of ${ROUNDS})` +
        (target ? `, target under ${TARGET_TURN_MS} ms: ${met ? 'met' : 'NOT met'}` : ` (the target is for up to ${TARGET_OPEN} entries)`) +
        `; longest turn while filling (growths) ${fill.toFixed(1)} ms`,
    );
    return !target || met;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let missed = 0;
for (const open of COUNTS) if (!(await run(open))) missed += 1;
if (missed > 0) {
  console.error(`journal snapshot: ${missed} target(s) NOT met`);
  process.exitCode = 1;
}
