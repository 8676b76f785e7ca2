// The transaction log on PostgreSQL: how many records a second PgTransactionLog stores (batched COPYs into a real
// server made on the spot, fsync on), and in the same run a no-op log fed the same way, so that the difference is the
// store's own cost. Records arrive as a gateway makes them: bursts of 64 a tick (64 requests settling together), each
// record's promise awaited at the end. Informational: records a second, no target. What recording costs the gateway
// (the 20% target) is measured by transaction-log.bench.ts, gateway against gateway in the same run.
// An exploration, not run by `npm run bench` (bench/explore/). Usage: node scripts/bench.mjs --explore pg-transaction-log,
// or node bench/dist/explore/pg-transaction-log.bench.js [records per round] (default 200000; 3 rounds each, alternating,
// the median printed).
import { loadAverage, median } from '../gateway/rounds.js';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgTransactionLog, toTransactionRecord } from '@iso8583/connector';
import type { TransactionLog, TransactionRecord } from '@iso8583/connector';
import { sampleTransactionRecord, startPostgres } from '@iso8583/test-support';

const perRound = Number(process.argv[2] ?? 200_000);
const ROUNDS = 3;
const BURST = 64;

/** Record `i` of a round (test-support's sample purchase), made now, over 5000 terminals. */
const record = (i: number): TransactionRecord =>
  sampleTransactionRecord(i, { at: Date.now(), node: 'bench-node', terminal: `T${String(i % 5000).padStart(7, '0')}` });

/** A log that stores nothing: the cost of making and checking a record, and of the caller's promise. */
const noop: TransactionLog = {
  open: async () => undefined,
  record: async (r) => {
    toTransactionRecord(r);
  },
  query: async () => [],
  prune: async () => 0,
  close: async () => undefined,
};

/** Records per second: `perRound` records, `BURST` a tick, until the last is stored. */
async function round(log: TransactionLog, base: number): Promise<number> {
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < perRound; ) {
    for (let j = 0; j < BURST && i < perRound; j++, i++) pending.push(log.record(record(base + i)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return perRound / ((performance.now() - t0) / 1000);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

console.log(`PgTransactionLog capacity: node ${process.version}, ${loadAverage()} at the start`);
// A store's capacity is measured as a production server syncs (fsync on), not as the tests run it.
const cluster = await startPostgres({ durable: true });
try {
  const url = cluster.createDatabase('bench_transactions');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const fsync = (await admin.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync;
  const log = new PgTransactionLog({ connectionString: url, maxBuffered: perRound + BURST });
  await log.open();
  const pgRates: number[] = [];
  const noopRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    noopRates.push(await round(noop, r * perRound));
    pgRates.push(await round(log, r * perRound));
  }
  const rows = (await admin.query<{ n: string }>('SELECT count(*) AS n FROM iso8583_transactions')).rows[0]?.n;
  await log.close();
  await admin.end();
  const pgRate = median(pgRates);
  console.log(`transaction log, ${fmt(perRound)} records a round, ${BURST} a tick, median of ${ROUNDS} (fsync=${fsync}, ${rows} rows stored):`);
  console.log(`  no-op log           ${fmt(median(noopRates))} records/s   (rounds: ${noopRates.map(fmt).join(', ')})`);
  console.log(`  PgTransactionLog    ${fmt(pgRate)} records/s   (rounds: ${pgRates.map(fmt).join(', ')})`);
  console.log(`  batches failed: ${log.stats().failedBatches}, dropped: ${log.stats().dropped}`);
  console.log(`${loadAverage()} at the end (informational: no target; the gateway's cost is transaction-log.bench.ts's)`);
} finally {
  cluster.destroy();
}
