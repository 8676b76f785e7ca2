/**
 * Connector start with a large SAF backlog: how long the start holds the event loop when its journal holds many open
 * entries (a restart after a long outage of the bank: reversals piled up). The start opens the journal (its replay,
 * lines and compaction in chunks: journal-open.bench.ts) and then queues every entry it returned (`resume`). For each
 * count of open entries (purchases' reversals), a journal is filled and closed, then a connector is started on it
 * towards a local port nobody listens on (every attempt waits for a connection), while a chain of `setImmediate`
 * measures the gaps between turns of the event loop. Printed: the start's time, the longest turn during the start
 * (`connect()` until it resolves) and the longest turn in the `BENCH_AFTER_MS` (default 1000) after it (the queued
 * entries' first attempts).
 * Run: `npx tsc -b bench && node bench/dist/connector-resume.bench.js`. Environment: BENCH_OPEN (10000,100000,230000),
 * BENCH_ROUNDS (starts per count, 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, createConnector } from '@iso8583/connector';
import { fillJournal } from './journal-fill.js';
import { watchTurns } from './loop-turns.js';

const COUNTS = (process.env.BENCH_OPEN ?? '10000,100000,230000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const AFTER_MS = Number(process.env.BENCH_AFTER_MS ?? 1000);

/** A local port with no listener (taken, then given back). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timedStart(dir: string, port: number): Promise<{ total: number; during: number; after: number }> {
  const journal = new FileJournal(dir, { compactInterval: 0 });
  const connector = createConnector({ host: '127.0.0.1', port, connectTimeout: 1000, reversal: { enabled: true, journal } });
  connector.on('error', () => undefined);
  const start = performance.now();
  const during = watchTurns();
  await connector.connect().catch(() => undefined);
  const total = performance.now() - start;
  const duringMs = during.stop();
  const afterTurns = watchTurns();
  await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
  const afterMs = afterTurns.stop();
  await connector.close();
  return { total, during: duringMs, after: afterMs };
}

async function run(open: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-resume-'));
  try {
    const journal = new FileJournal(dir, { compactInterval: 0 });
    await journal.open();
    await fillJournal(journal, open, Date.now() - 3_600_000);
    await journal.close();
    const port = await deadPort();
    for (let round = 0; round < ROUNDS; round++) {
      const { total, during, after } = await timedStart(dir, port);
      console.log(`connector start: ${open} open entries: start ${total.toFixed(0)} ms, longest turn ${during.toFixed(1)} ms during it, ${after.toFixed(1)} ms in the ${AFTER_MS} ms after`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const open of COUNTS) await run(open);
