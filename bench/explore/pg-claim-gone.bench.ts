// What a claim of the PostgreSQL SAF queue costs while an owner is gone (its owner lock free, its row not purged yet):
// BENCH_PENDING pending entries (50,000) of nodes that run, and one owner gone that holds none (its entries already
// taken over: its row stays until a renewal's purge). A node with its lock claims every second (`PgJournal.claim`:
// the claim by lease, then the claim of owners gone), on every node and upstream. Times BENCH_CLAIMS claims with no
// owner gone and with one, and shows the plan of the claim of owners gone with its buffers. Informational: no target.
// An exploration, not run by `npm run bench` (bench/explore/). Usage: node scripts/bench.mjs --explore pg-claim-gone
// (or node bench/dist/explore/pg-claim-gone.bench.js); environment BENCH_PENDING (50000), BENCH_CLAIMS (200).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgJournal } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { loadAverage, median } from '../gateway/rounds.js';

const PENDING = Number(process.env.BENCH_PENDING ?? 50_000);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 200);

console.log(`claims with an owner gone: node ${process.version}, ${loadAverage()} at the start`);
const cluster = await startPostgres();
const url = cluster.createDatabase('claim_gone');
// The journal's statements pass through this pool: the claim of owners gone is kept to be explained.
const pool = new pg.Pool({ connectionString: url });
let gone: { text: string; values: unknown[] } | undefined;
const query = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
(pool as unknown as { query: typeof query }).query = (text: string, values?: unknown[]) => {
  if (typeof text === 'string' && text.includes('iso8583_saf_owner') && text.includes('UPDATE iso8583_saf')) gone = { text, values: values ?? [] };
  return query(text, values);
};
const journal = new PgJournal({ pool, owner: 'bench-node', lease: 600_000 });
const admin = new pg.Client({ connectionString: url });
try {
  await journal.open();
  await admin.connect();
  // Pending entries of ten nodes that run (never registered here: not gone), each an hour-long lease.
  await admin.query(
    `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until)
     SELECT 'e' || i, '', jsonb_build_object('id', 'e' || i, 'reversal', jsonb_build_object('0', '0400', '11', lpad((i % 999999)::text, 6, '0'), '41', 'T' || (i % 500))),
       'busy-node-' || (i % 10), now() + interval '1 hour'
     FROM generate_series(1, $1::int) AS i`,
    [PENDING],
  );
  await admin.query('ANALYZE iso8583_saf');
  const timeClaims = async (label: string): Promise<void> => {
    const ms: number[] = [];
    for (let i = 0; i < CLAIMS; i++) {
      const t0 = performance.now();
      const got = await journal.claim();
      ms.push(performance.now() - t0);
      if (got.length > 0) throw new Error(`claimed ${got.length} entries: the bench expects none claimable`);
    }
    ms.sort((a, b) => a - b);
    console.log(`${label}: claim (both statements) median ${median(ms).toFixed(2)} ms, p90 ${(ms[Math.floor(ms.length * 0.9)] ?? 0).toFixed(2)} ms, max ${(ms.at(-1) ?? 0).toFixed(2)} ms over ${CLAIMS}`);
  };
  await timeClaims(`${PENDING} pending, no owner gone`);
  // An owner gone: registered since the server started, its lock held by no session, no pending entry left.
  await admin.query("INSERT INTO iso8583_saf_owner (owner) VALUES ('gone-node')");
  await timeClaims(`${PENDING} pending, one owner gone (none of its entries pending)`);
  if (gone !== undefined) {
    await admin.query('BEGIN');
    const plan = await admin.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${gone.text}`, gone.values);
    await admin.query('ROLLBACK');
    console.log('the claim of owners gone, one gone:');
    for (const row of plan.rows) console.log(`  ${row['QUERY PLAN']}`);
  }
} finally {
  await admin.end().catch(() => undefined);
  await journal.close();
  await pool.end();
  cluster.destroy();
}
