/**
 * Connector start with a large SAF backlog: how long the start holds the event loop when its journal holds many open
 * entries (a restart after a long outage of the bank: reversals piled up). The start opens the journal (its replay,
 * lines and compaction in chunks: journal-open.bench.ts) and then queues every entry it returned (`resume`). For each
 * count of open entries (purchases' reversals), a journal is filled and closed, then a connector is started on it
 * towards a local port nobody listens on (every attempt waits for a connection), while a chain of `setImmediate`
 * measures the gaps between turns of the event loop. Printed: the start's time, the longest turn during the start
 * (`connect()` until it resolves) and the longest turn in the `BENCH_AFTER_MS` (default 1000) after it (the queued
 * entries' first attempts), with the attempts that left meanwhile (`sent` events: the queue sends a backlog at a
 * bounded pace, `saf.maxInFlight` at once). Target, at up to 100,000 open entries: both longest turns under 100 ms,
 * printed with `met` / `NOT met` beside the figures of the same run (the best round: a busy machine's pauses come and
 * go, a step of the code that holds the loop stays); the exit code is 1 when missed. The longest turn is printed by
 * phase: opening (the journal's open, journal-open.bench.ts, and the entries counted), queueing, and after.
 * Run: `npx tsc -b bench && node bench/dist/connector-resume.bench.js`. Environment: BENCH_OPEN (10000,100000,230000),
 * BENCH_ROUNDS (starts per count, 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, createConnector } from '@iso8583/connector';
import { fillJournal } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';
import { deadPort } from './dead-port.js';
import { turnTarget } from './turn-target.js';

const COUNTS = (process.env.BENCH_OPEN ?? '10000,100000,230000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AFTER_MS = Number(process.env.BENCH_AFTER_MS ?? 1000);

/** What one start measured (ms): its time, and the longest turn of the event loop in each of its phases. */
interface StartFigures {
  total: number;
  /** From `connect()` until the first entry is queued: the journal's open (journal-open.bench.ts), the entries counted. */
  opening: number;
  /** From then until `connect()` resolves. */
  queueing: number;
  /** In the `AFTER_MS` after it (the rest of the backlog queued, the first attempts). */
  after: number;
  /** Attempts sent by the end (`sent` events). */
  sent: number;
}

async function timedStart(dir: string, port: number): Promise<StartFigures> {
  const journal = new FileJournal(dir, { compactInterval: 0 });
  const connector = createConnector({ host: '127.0.0.1', port, connectTimeout: 1000, reversal: { enabled: true, journal } });
  connector.on('error', () => undefined);
  let sent = 0;
  let watch = watchTurns();
  let opening: number | undefined;
  connector.on('saf', (e) => {
    if (e.stage === 'sent') sent += 1;
    if (e.stage === 'queued' && opening === undefined) {
      opening = watch.stop();
      watch = watchTurns();
    }
  });
  const start = performance.now();
  await connector.connect().catch(() => undefined);
  const total = performance.now() - start;
  const queueing = watch.stop();
  const afterTurns = watchTurns();
  await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
  const after = afterTurns.stop();
  const sentBy = sent;
  await connector.close();
  return { total, opening: opening ?? queueing, queueing: opening === undefined ? 0 : queueing, after, sent: sentBy };
}

/** Starts a connector on a journal of `open` open entries `ROUNDS` times; returns whether the target was met (or has none). */
async function run(open: number): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-resume-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 0 });
    await journal.open();
    await fillJournal(journal, open, Date.now() - 3_600_000);
    await journal.close();
    const port = await deadPort();
    // Best of the rounds: a step of the code that holds the loop shows in every round, a pause of a busy machine (the
    // process not scheduled, a GC) in some.
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const f = await timedStart(dir, port);
      best = Math.min(best, Math.max(f.opening, f.queueing, f.after));
      console.log(
        `connector start: ${open} open entries: start ${f.total.toFixed(0)} ms; longest turn ${f.opening.toFixed(1)} ms opening (the journal's open, the entries counted), ` +
          `${f.queueing.toFixed(1)} ms queueing, ${f.after.toFixed(1)} ms in the ${AFTER_MS} ms after; ${f.sent} attempts sent by then`,
      );
    }
    return turnTarget('connector start', open, best, ROUNDS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let missed = 0;
for (const open of COUNTS) if (!(await run(open))) missed += 1;
if (missed > 0) {
  console.error(`connector start: ${missed} target(s) NOT met`);
  process.exitCode = 1;
}
