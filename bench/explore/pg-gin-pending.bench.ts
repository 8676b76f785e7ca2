// What the GIN index's pending list (schema version 104: STAN and RRN in one GIN index with fastupdate) costs a query:
// a log of BENCH_RECORDS rows (the gateway bench's shape, bench/pg-records.ts) on a server made
// on the spot, then queries by STAN and by RRN (the log's own statements, through `PgTransactionLog.query`) timed with
// the pending list as full as it gets (just under `gin_pending_list_limit`, 4 MB by default: the next insert past it
// merges the list) and again once it is merged. Also the plan of each with its buffers. Informational: no target.
// An exploration, not run by `npm run bench` (bench/explore/). Usage: node scripts/bench.mjs --explore pg-gin-pending
// (or node bench/dist/explore/pg-gin-pending.bench.js); environment BENCH_RECORDS (300000), BENCH_QUERIES (30 per kind).
import pg from 'pg';
import { PgTransactionLog } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { loadAverage, median } from '../gateway/rounds.js';
import { benchRecord } from './pg-records.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 30);
const BATCH = 100;

console.log(`GIN pending list and queries: node ${process.version}, ${loadAverage()} at the start`);
const cluster = await startPostgres({ durable: true });
const url = cluster.createDatabase('gin_pending');
const log = new PgTransactionLog({ connectionString: url, maxBatch: BATCH, maxBuffered: BATCH * 4 });
const admin = new pg.Client({ connectionString: url });
try {
  await log.open();
  await admin.connect();
  await admin.query('CREATE EXTENSION pgstattuple');
  await admin.query('ALTER TABLE iso8583_transactions SET (autovacuum_enabled = false)');
  const pending = async (): Promise<{ pages: number; tuples: number }> => {
    const { rows } = await admin.query<{ pages: number; tuples: string }>("SELECT pending_pages AS pages, pending_tuples::text AS tuples FROM pgstatginindex('iso8583_transactions_keys')");
    return { pages: rows[0]?.pages ?? 0, tuples: Number(rows[0]?.tuples ?? 0) };
  };
  let next = 0;
  const storeBatch = async (): Promise<void> => {
    const at = Date.now();
    const batch: Promise<void>[] = [];
    for (let j = 0; j < BATCH; j++, next++) batch.push(log.record(benchRecord(next, at + j / 1000)));
    await Promise.all(batch);
  };
  while (next < RECORDS) await storeBatch();
  await admin.query("SELECT gin_clean_pending_list('iso8583_transactions_keys')");
  // Fill the list up to just before the merge: a batch that brings it down was the merge; stop at the batch before.
  let last = await pending();
  for (;;) {
    await storeBatch();
    const now = await pending();
    if (now.pages < last.pages) {
      // Merged: fill again, stopping one batch short of the size it reached.
      const peak = last.pages;
      while ((await pending()).pages < peak - 2) await storeBatch();
      break;
    }
    last = now;
  }
  await admin.query('ANALYZE iso8583_transactions');
  const total = (await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM iso8583_transactions')).rows[0]?.n;
  const size = (await admin.query<{ s: string }>("SELECT pg_size_pretty(pg_relation_size('iso8583_transactions_keys')) AS s")).rows[0]?.s;
  const timeQueries = async (label: string): Promise<void> => {
    const p = await pending();
    const kinds: [string, (i: number) => Promise<unknown[]>][] = [
      ['stan', (i) => log.query({ stan: String(((i * 7919) % 2000) + 1).padStart(6, '0') })],
      ['rrn', (i) => log.query({ rrn: `633515${String((i * 104_729) % 1_000_000).padStart(6, '0')}` })],
    ];
    for (const [kind, run] of kinds) {
      const ms: number[] = [];
      let rows = 0;
      for (let i = 0; i < QUERIES; i++) {
        const t0 = performance.now();
        rows += (await run(i)).length;
        ms.push(performance.now() - t0);
      }
      console.log(`  ${label.padEnd(34)} ${kind.padEnd(5)} median ${median(ms).toFixed(2)} ms  (max ${Math.max(...ms).toFixed(2)}; ${(rows / QUERIES).toFixed(1)} rows a query; pending ${p.pages} pages, ${p.tuples} rows)`);
    }
    const plan = await admin.query<{ 'QUERY PLAN': string }>(
      "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT seq FROM iso8583_transactions WHERE ARRAY[stan, rrn] @> ARRAY['000042'::text] AND stan = '000042' ORDER BY at DESC, seq DESC LIMIT 100",
    );
    console.log(plan.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n'));
  };
  console.log(`${total} rows, GIN index ${size} (gin_pending_list_limit 4 MB)`);
  await timeQueries('pending list full');
  await admin.query("SELECT gin_clean_pending_list('iso8583_transactions_keys')");
  await timeQueries('pending list merged');
  console.log(`${loadAverage()} at the end`);
} finally {
  await log.close();
  await admin.end();
  cluster.destroy();
}
