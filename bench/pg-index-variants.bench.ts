// The transaction log's indexes measured apart: the PostgreSQL server's CPU per stored row for each set of indexes on
// `iso8583_transactions`, one database per variant on one server made on the spot (fsync on, as in production). Each
// variant's table is made by the log's own migrations and then given the variant's indexes (and collations, or its
// database's locale); rows go in through `PgTransactionLog` itself (its COPY, batches of BATCH rows, the gateway
// bench's shape: 100 terminals with a STAN counting up on each, the simulator's twelve-character RRNs counting up).
// A pre-fill of PREFILL rows per table is not counted; then ROUNDS rounds of ROWS rows per variant, the variants'
// order alternating. CPU is that of every backend of the variant's database (/proc/PID/schedstat: nanoseconds on a
// CPU), so a GIN index's pending list pays its merge where it happens: in the inserting backend when the list is over
// `gin_pending_list_limit`, and at the end of each round by `gin_clean_pending_list` (autovacuum is off on the
// tables, so that no other process does that work unseen). Also the WAL bytes per row. Informational: no target.
// Usage: node bench/dist/pg-index-variants.bench.js [variant name filters...]; environment BENCH_ROWS (40000 a round),
// BENCH_ROUNDS (5), BENCH_PREFILL (50000), BENCH_BATCH (100).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PgTransactionLog } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { loadAverage, median } from './gateway/rounds.js';
import { benchRecord } from './pg-records.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const filters = process.argv.slice(2);

/** A set of indexes (and the locale of its database) to measure. */
interface Variant {
  name: string;
  /** `CREATE DATABASE` options after the name (locale), or none for the cluster's (C). */
  database?: string;
  /** SQL run on the migrated table (its four indexes of schema 103 in place) before any row. */
  setup: string;
}

const DROP_ALL = 'DROP INDEX iso8583_transactions_terminal, iso8583_transactions_stan, iso8583_transactions_rrn;';
const TERMINAL = 'CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at DESC, seq DESC) WHERE terminal IS NOT NULL;';
const TERMINAL_ASC = 'CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at, seq) WHERE terminal IS NOT NULL;';
const GIN = 'CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn]));';
const COLLATE_C = `ALTER TABLE iso8583_transactions ALTER COLUMN stan TYPE text COLLATE "C", ALTER COLUMN rrn TYPE text COLLATE "C", ALTER COLUMN terminal TYPE text COLLATE "C";`;
const LIBC = `TEMPLATE template0 LOCALE 'C.UTF-8'`;
const ICU = `TEMPLATE template0 LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`;

const VARIANTS: Variant[] = [
  { name: 'schema 103 (pk, terminal, hash stan, hash rrn)', setup: '' },
  { name: 'pk and terminal alone (no stan, rrn index)', setup: `${DROP_ALL} ${TERMINAL}` },
  {
    name: 'gin text (stan, rrn), fastupdate',
    setup: `${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn]));`,
  },
  {
    name: 'gin text (stan, rrn), fastupdate, pending 16 MB',
    setup: `${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn])) WITH (gin_pending_list_limit = 16384);`,
  },
  {
    name: 'gin text (stan, rrn), no fastupdate',
    setup: `${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn])) WITH (fastupdate = off);`,
  },
  {
    name: 'gin int4 hashes (stan, rrn), fastupdate',
    setup: `${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[hashtext(stan), hashtext(rrn)]));`,
  },
  {
    name: 'schema 103, stan integer',
    setup: 'DROP INDEX iso8583_transactions_stan; ALTER TABLE iso8583_transactions ALTER COLUMN stan TYPE integer USING stan::integer; CREATE INDEX iso8583_transactions_stan ON iso8583_transactions USING hash (stan);',
  },
  { name: 'schema 103, libc C.UTF-8 database', database: LIBC, setup: '' },
  { name: 'schema 103, libc C.UTF-8 database, COLLATE "C"', database: LIBC, setup: COLLATE_C },
  { name: 'schema 103, ICU en-US database', database: ICU, setup: '' },
  { name: 'schema 103, ICU en-US database, COLLATE "C"', database: ICU, setup: COLLATE_C },
  {
    name: 'gin text, ICU en-US database',
    database: ICU,
    setup: `${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn]));`,
  },
  {
    name: 'gin text, ICU en-US database, COLLATE "C"',
    database: ICU,
    setup: `${COLLATE_C} ${DROP_ALL} ${TERMINAL} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[stan, rrn]));`,
  },
  { name: 'terminal ascending, hash stan, hash rrn', setup: `DROP INDEX iso8583_transactions_terminal; ${TERMINAL_ASC}` },
  { name: 'terminal ascending alone (no stan, rrn index)', setup: `${DROP_ALL} ${TERMINAL_ASC}` },
  { name: 'terminal ascending, gin text', setup: `${DROP_ALL} ${TERMINAL_ASC} ${GIN}` },
  { name: 'terminal ascending, hash stan, hash rrn, ICU en-US database', database: ICU, setup: `DROP INDEX iso8583_transactions_terminal; ${TERMINAL_ASC}` },
  { name: 'terminal ascending, gin text, ICU en-US database, COLLATE "C"', database: ICU, setup: `${DROP_ALL} ${COLLATE_C} ${TERMINAL_ASC} ${GIN}` },
].filter((v) => filters.length === 0 || filters.some((f) => v.name.includes(f)));

/** Nanoseconds a process has spent on a CPU (the first field of /proc/PID/schedstat), or undefined when it is gone. */
function onCpuNs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'latin1').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** One variant's database, log and admin connection. */
interface Table {
  variant: Variant;
  log: PgTransactionLog;
  admin: pg.Client;
  next: number;
  cpu: number[];
  wal: number[];
}

/** Stores `rows` records in batches of BATCH, each batch awaited (a batch leaves at once when it holds maxBatch). */
async function store(t: Table, rows: number): Promise<void> {
  for (let done = 0; done < rows; done += BATCH) {
    const batch: Promise<void>[] = [];
    const at = Date.now();
    for (let j = 0; j < BATCH; j++, t.next++) batch.push(t.log.record(benchRecord(t.next, at + j / 1000)));
    await Promise.all(batch);
  }
}

/** Every backend of the table's database, by pid, with its CPU so far. */
async function backends(t: Table): Promise<Map<number, number>> {
  const { rows } = await t.admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const ns = onCpuNs(pid);
    if (ns !== undefined) out.set(pid, ns);
  }
  return out;
}

async function lsn(t: Table): Promise<bigint> {
  const { rows } = await t.admin.query<{ b: string }>("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint::text AS b");
  return BigInt(rows[0]?.b ?? '0');
}

/** Cleans a GIN index's pending list (counted: it is the merge the rows owe), if the variant has one. */
async function cleanPending(t: Table): Promise<void> {
  await t.admin.query("SELECT gin_clean_pending_list(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND i.indrelid = 'iso8583_transactions'::regclass");
}

async function round(t: Table): Promise<void> {
  const before = await backends(t);
  const wal0 = await lsn(t);
  await store(t, ROWS);
  await cleanPending(t);
  const wal1 = await lsn(t);
  const after = await backends(t);
  let ns = 0;
  for (const [pid, v] of after) ns += v - (before.get(pid) ?? 0);
  t.cpu.push(ns / 1000 / ROWS);
  t.wal.push(Number(wal1 - wal0) / ROWS);
}

console.log(`transaction log indexes apart: node ${process.version}, ${loadAverage()} at the start`);
console.log(`${VARIANTS.length} variants, pre-fill ${PREFILL} rows each, ${ROUNDS} rounds of ${ROWS} rows, batches of ${BATCH}`);
const cluster = await startPostgres({ durable: true });
const tables: Table[] = [];
try {
  const root = new pg.Client({ connectionString: cluster.url });
  await root.connect();
  for (const [i, variant] of VARIANTS.entries()) {
    const db = `variant_${i}`;
    await root.query(`CREATE DATABASE ${db} ${variant.database ?? ''}`);
    const url = cluster.url.replace(/\/postgres$/, `/${db}`);
    const log = new PgTransactionLog({ connectionString: url, maxBatch: BATCH, maxBuffered: BATCH * 4 });
    await log.open();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(variant.setup);
    await admin.query('ALTER TABLE iso8583_transactions SET (autovacuum_enabled = false)');
    tables.push({ variant, log, admin, next: 0, cpu: [], wal: [] });
  }
  await root.end();
  for (const t of tables) {
    await store(t, PREFILL);
    await cleanPending(t);
  }
  await tables[0]?.admin.query('CHECKPOINT');
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? tables : [...tables].reverse();
    for (const t of order) await round(t);
    console.log(`round ${r + 1} done, ${loadAverage()}`);
  }
  console.log(`\nserver CPU (backends of the variant's database) per row, us: median [rounds]; WAL bytes per row (median)`);
  for (const t of tables) {
    console.log(`  ${t.variant.name.padEnd(52)} ${median(t.cpu).toFixed(2).padStart(6)}  [${t.cpu.map((x) => x.toFixed(1)).join(' ')}]  WAL ${median(t.wal).toFixed(0)}`);
  }
  for (const t of tables) {
    const { rows } = await t.admin.query<{ name: string; size: string }>(
      "SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE i.indrelid = 'iso8583_transactions'::regclass ORDER BY 1",
    );
    console.log(`  ${t.variant.name}: ${rows.map((x) => `${x.name.replace('iso8583_transactions_', '')} ${x.size}`).join(', ')}`);
  }
  console.log(`${loadAverage()} at the end`);
} finally {
  for (const t of tables) {
    await t.log.close();
    await t.admin.end();
  }
  cluster.destroy();
}
