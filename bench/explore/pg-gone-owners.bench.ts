// What each node's claim costs every second while owners are gone for good: BENCH_GONE owners (10 and 100 by
// default) registered since the server started, their lock free, each holding pending entries of an upstream no
// running node serves ('retired'), so that no claim takes them and no purge deletes their rows. A node with its lock
// claims every second (`PgJournal.claim`: the claim by lease, then the claim of owners gone) on every upstream. Times
// BENCH_CLAIMS claims per count of owners gone, with the WAL each claim writes (a row lock `FOR SHARE` is written to
// the row, and logged) and whether the rows of those owners are locked by the claim. Informational: no target.
// An exploration, not run by `npm run bench` (bench/explore/). Usage: node scripts/bench.mjs --explore pg-gone-owners
// (or node bench/dist/explore/pg-gone-owners.bench.js); environment BENCH_GONE (10,100), BENCH_CLAIMS (200).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgJournal } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { loadAverage, median } from '../gateway/rounds.js';

const COUNTS = (process.env.BENCH_GONE ?? '10,100').split(',').map(Number);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 200);

console.log(`claims with owners gone for good: node ${process.version}, ${loadAverage()} at the start`);
const cluster = await startPostgres();
const url = cluster.createDatabase('gone_owners');
const journal = new PgJournal({ url, owner: 'bench-node', lease: 600_000, upstream: 'live' });
const admin = new pg.Client({ connectionString: url });
try {
  await journal.open();
  await admin.connect();
  const lsn = async (): Promise<bigint> => BigInt((await admin.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b")).rows[0]?.b.split('.')[0] ?? '0');
  const timeClaims = async (label: string): Promise<void> => {
    const ms: number[] = [];
    const w0 = await lsn();
    for (let i = 0; i < CLAIMS; i++) {
      const t0 = performance.now();
      const got = await journal.claim();
      ms.push(performance.now() - t0);
      if (got.length > 0) throw new Error(`claimed ${got.length} entries: the bench expects none claimable`);
    }
    const wal = Number((await lsn()) - w0) / CLAIMS;
    ms.sort((a, b) => a - b);
    console.log(`${label}: claim median ${median(ms).toFixed(2)} ms, p90 ${(ms[Math.floor(ms.length * 0.9)] ?? 0).toFixed(2)} ms, WAL ${wal.toFixed(0)} bytes a claim over ${CLAIMS}`);
  };
  // Pending entries of this upstream held by a node that runs (never registered here: not gone), an hour-long lease.
  await admin.query(
    `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until)
     SELECT 'e' || i, 'live', jsonb_build_object('id', 'e' || i, 'reversal', jsonb_build_object('0', '0400', '11', lpad(i::text, 6, '0'), '41', 'T0')),
       'busy-node', now() + interval '1 hour'
     FROM generate_series(1, 1000) AS i`,
  );
  await admin.query('ANALYZE iso8583_saf');
  await timeClaims('no owner gone');
  let made = 0;
  for (const n of COUNTS) {
    await admin.query(
      `INSERT INTO iso8583_saf_owner (owner, upstream) SELECT 'gone-' || i, 'retired' FROM generate_series($1::int + 1, $2::int) AS i`,
      [made, n],
    );
    await admin.query(
      `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until)
       SELECT 'g' || i, 'retired', jsonb_build_object('id', 'g' || i, 'reversal', jsonb_build_object('0', '0400', '11', lpad(i::text, 6, '0'), '41', 'T1')),
         'gone-' || i, now() + interval '1 hour'
       FROM generate_series($1::int + 1, $2::int) AS i`,
      [made, n],
    );
    made = n;
    await admin.query('VACUUM ANALYZE iso8583_saf_owner');
    await timeClaims(`${n} owners gone for good (their entries under an upstream no node serves)`);
    // Whether a claim locks their rows: an update of one waits for a claim held open (here: the row locks show as
    // a changed xmax on the owners' rows after a claim).
    const { rows } = await admin.query<{ locked: string }>("SELECT count(*)::text AS locked FROM iso8583_saf_owner WHERE owner LIKE 'gone-%' AND xmax <> 0");
    console.log(`  owners' rows carrying a row lock's mark after the claims: ${rows[0]?.locked} of ${n}`);
  }
} finally {
  await admin.end().catch(() => undefined);
  await journal.close();
  cluster.destroy();
}
