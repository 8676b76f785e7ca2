// The transaction log's indexes measured apart: the PostgreSQL server's CPU per stored row for each set of indexes on
// `iso8583_transactions`, one database per variant on one server made on the spot (fsync on, as in production). Each
// variant's table is made by the log's own migrations (checked to be schema 104's, which the variants are written as
// changes to: when the migrations make another table the bench stops before measuring and says what differs) and then
// given the variant's indexes (and collations, or its database's locale); rows go in through `PgTransactionLog` itself (its COPY, batches of BATCH rows, the gateway
// bench's shape: 100 terminals with a STAN counting up on each, the simulator's twelve-character RRNs counting up).
// A pre-fill of PREFILL rows per table is not counted; then ROUNDS rounds of ROWS rows per variant, the variants'
// order alternating. CPU is that of every backend of the variant's database (/proc/PID/schedstat: nanoseconds on a
// CPU), so a GIN index's pending list pays its merge where it happens: in the inserting backend when the list is over
// `gin_pending_list_limit`, and at the end of each round by `gin_clean_pending_list` (autovacuum is off on the
// tables, so that no other process does that work unseen). Also the WAL bytes per row. And the query side, in every
// round: BENCH_QUERIES queries of each kind the log serves (`PgTransactionLog.query`: a STAN, 100 rows, one on each
// terminal; an RRN, one row; an RRN not stored; a terminal's newest 100; a STAN on one terminal), each timed (ms, at
// the client) and its server CPU counted, once with the round's rows still in a GIN index's pending list (ROWS rows,
// under its 4 MB limit: no merge in the round) and once after the merge; not counted in the rows' CPU. A variant whose
// table the log's queries by a key cannot read (an integer STAN: error 42804) has those left out, the reason printed in
// their place. Informational: no target.
// An exploration, not run by `npm run bench` (bench/explore/). Usage: node scripts/bench.mjs --explore pg-index-variants,
// or with variant name filters: node bench/dist/explore/pg-index-variants.bench.js [filters...]; environment BENCH_ROWS (40000 a round),
// BENCH_ROUNDS (5), BENCH_PREFILL (50000), BENCH_BATCH (100), BENCH_QUERIES (40 of each kind, each state, each round;
// 0: none).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { PgTransactionLog } from '@iso8583/connector';
import type { TransactionQuery } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { loadAverage, median } from '../gateway/rounds.js';
import { benchRecord } from './pg-records.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 40);
const filters = process.argv.slice(2);

/** A set of indexes (and the locale of its database) to measure. */
interface Variant {
  name: string;
  /** `CREATE DATABASE` options after the name (locale), or none for the cluster's (C). */
  database?: string;
  /** SQL run on the migrated table (schema 104's indexes in place: {@link SCHEMA}) before any row. */
  setup: string;
  /**
   * Why the log's queries by a STAN or an RRN cannot run on the variant's table (its rows and its other queries are
   * measured, those left out and the reason printed in their place); absent: they run.
   */
  noKeyQueries?: string;
}

/**
 * The table the log's migrations make, as the variants below expect it (schema version 104, unchanged by 105): each
 * index by name with its definition after `USING` (as `pg_get_indexdef` writes it), and the collation of the key
 * columns. Every variant is written as changes to this; when the migrations make something else, the bench stops
 * before measuring anything and says what differs (the variants are then to be written again).
 */
const SCHEMA = {
  indexes: {
    iso8583_transactions_pkey: 'btree (at, seq)',
    iso8583_transactions_terminal: 'btree (terminal, at DESC, seq DESC) WHERE (terminal IS NOT NULL)',
    iso8583_transactions_keys: 'gin ((ARRAY[stan, rrn]))',
  } as Record<string, string>,
  collations: { stan: 'C', rrn: 'C', terminal: 'C' } as Record<string, string>,
};

const DROP_KEYS = 'DROP INDEX iso8583_transactions_keys;';
const DROP_TERMINAL = 'DROP INDEX iso8583_transactions_terminal;';
const TERMINAL_ASC = 'CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at, seq) WHERE terminal IS NOT NULL;';
const HASH = 'CREATE INDEX iso8583_transactions_stan ON iso8583_transactions USING hash (stan); CREATE INDEX iso8583_transactions_rrn ON iso8583_transactions USING hash (rrn);';
/** The key columns back in the database's collation (schema 103 and before; the indexes on them are built again). */
const COLLATE_DEFAULT = `ALTER TABLE iso8583_transactions ALTER COLUMN stan TYPE text COLLATE "default", ALTER COLUMN rrn TYPE text COLLATE "default", ALTER COLUMN terminal TYPE text COLLATE "default";`;
const LIBC = `TEMPLATE template0 LOCALE 'C.UTF-8'`;
const ICU = `TEMPLATE template0 LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`;

const VARIANTS: Variant[] = [
  { name: 'schema 104 (pk, terminal, gin (stan, rrn), "C")', setup: '' },
  { name: 'pk and terminal alone (no stan, rrn index)', setup: DROP_KEYS },
  { name: 'gin, pending 16 MB', setup: 'ALTER INDEX iso8583_transactions_keys SET (gin_pending_list_limit = 16384);' },
  { name: 'gin, no fastupdate', setup: 'ALTER INDEX iso8583_transactions_keys SET (fastupdate = off);' },
  {
    name: 'gin int4 hashes (stan, rrn)',
    setup: `${DROP_KEYS} CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((ARRAY[hashtext(stan), hashtext(rrn)]));`,
  },
  { name: 'hash stan, hash rrn, "C"', setup: `${DROP_KEYS} ${HASH}` },
  { name: 'schema 103 (hash stan, hash rrn, default collation)', setup: `${DROP_KEYS} ${COLLATE_DEFAULT} ${HASH}` },
  {
    name: 'hash stan (integer), hash rrn',
    setup: `${DROP_KEYS} ALTER TABLE iso8583_transactions ALTER COLUMN stan TYPE integer USING stan::integer; ${HASH}`,
    // The log asks `ARRAY[stan, rrn] @> ARRAY[$1::text]` (transaction-sql.ts): an array of an integer and a text is
    // PostgreSQL's error 42804 (datatype mismatch), so only this variant's rows are measured.
    noKeyQueries: "the log's queries read ARRAY[stan, rrn] as text (an integer stan: error 42804)",
  },
  { name: 'schema 104, libc C.UTF-8 database', database: LIBC, setup: '' },
  { name: 'schema 104, libc C.UTF-8 database, its collation', database: LIBC, setup: COLLATE_DEFAULT },
  { name: 'schema 104, ICU en-US database', database: ICU, setup: '' },
  { name: 'schema 104, ICU en-US database, its collation', database: ICU, setup: COLLATE_DEFAULT },
  { name: 'schema 103, ICU en-US database', database: ICU, setup: `${DROP_KEYS} ${COLLATE_DEFAULT} ${HASH}` },
  { name: 'terminal ascending, gin', setup: `${DROP_TERMINAL} ${TERMINAL_ASC}` },
  { name: 'terminal ascending alone (no stan, rrn index)', setup: `${DROP_KEYS} ${DROP_TERMINAL} ${TERMINAL_ASC}` },
  { name: 'terminal ascending, hash stan, hash rrn', setup: `${DROP_KEYS} ${DROP_TERMINAL} ${TERMINAL_ASC} ${HASH}` },
  { name: 'terminal ascending, gin, ICU en-US database', database: ICU, setup: `${DROP_TERMINAL} ${TERMINAL_ASC}` },
].filter((v) => filters.length === 0 || filters.some((f) => v.name.includes(f)));

/**
 * What differs between the migrated table of `client`'s database and {@link SCHEMA}, one line each (none when it is
 * the table the variants are written for), with the schema version the migrations reached.
 */
async function schemaDifferences(client: pg.Client): Promise<string[]> {
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'iso8583_transactions'::regclass",
  );
  const { rows: columns } = await client.query<{ name: string; collation: string | null }>(
    "SELECT a.attname AS name, co.collname AS collation FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation WHERE a.attrelid = 'iso8583_transactions'::regclass AND a.attnum > 0 AND NOT a.attisdropped",
  );
  const { rows: version } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM iso8583_schema WHERE version >= 100');
  const out: string[] = [];
  const found = new Map(indexes.map((x) => [x.name, x.def.replace(/^.* USING /, '')]));
  for (const [name, def] of Object.entries(SCHEMA.indexes)) {
    const got = found.get(name);
    if (got === undefined) out.push(`index ${name} (${def}) is missing`);
    else if (got !== def) out.push(`index ${name} is ${got}, not ${def}`);
  }
  for (const [name, def] of found) if (!(name in SCHEMA.indexes)) out.push(`index ${name} (${def}) is new`);
  const collation = new Map(columns.map((c) => [c.name, c.collation]));
  for (const [name, want] of Object.entries(SCHEMA.collations)) {
    const got = collation.get(name);
    if (got === undefined) out.push(`column ${name} is missing`);
    else if (got !== want) out.push(`column ${name} is in collation ${got ?? 'none'}, not "${want}"`);
  }
  if (out.length > 0) out.unshift(`the transaction log's schema (version ${version[0]?.v ?? 'none'}) is not the one the variants are written for (104):`);
  return out;
}

/** A reason to stop before measuring (the schema changed, a variant's SQL failed): printed as it is, without a stack. */
class BenchStop extends Error {}

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
  /** Per query kind and state (`kind|state`): each round's median ms at the client and server CPU (us) per query. */
  queries: Map<string, { ms: number[]; cpu: number[] }>;
}

/** The queries of the log measured on each variant: record `i` (of those stored) found by each of its keys. */
const QUERY_KINDS: [string, (i: number) => TransactionQuery][] = [
  ['STAN (100 rows, one a terminal)', (i) => ({ stan: String((Math.floor(i / 100) % 999_999) + 1).padStart(6, '0') })],
  ['RRN (1 row)', (i) => ({ rrn: `633515${String(i % 1_000_000).padStart(6, '0')}` })],
  ['RRN not stored', () => ({ rrn: '999999999999' })],
  ["terminal's newest 100", (i) => ({ terminal: `P${String(i % 100).padStart(7, '0')}` })],
  ['STAN on one terminal', (i) => ({ stan: String((Math.floor(i / 100) % 999_999) + 1).padStart(6, '0'), terminal: `P${String(i % 100).padStart(7, '0')}` })],
];

/** Whether the queries `make` makes run on `variant`'s table (see {@link Variant.noKeyQueries}). */
function queried(variant: Variant, make: (i: number) => TransactionQuery): boolean {
  const q = make(0);
  return variant.noKeyQueries === undefined || (q.stan === undefined && q.rrn === undefined);
}

/** Sums the CPU the table's backends used between two {@link backends} snapshots (ns). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ns = 0;
  for (const [pid, v] of after) ns += v - (before.get(pid) ?? 0);
  return ns;
}

/** QUERIES queries of each kind on the rows stored so far, in `state` (the GIN pending list full or merged). */
async function measureQueries(t: Table, state: string): Promise<void> {
  if (QUERIES <= 0) return;
  for (const [kind, make] of QUERY_KINDS) {
    if (!queried(t.variant, make)) continue;
    const ms: number[] = [];
    const before = await backends(t);
    for (let k = 0; k < QUERIES; k++) {
      const q = make((k * 7919 + t.next) % t.next);
      const t0 = performance.now();
      await t.log.query(q);
      ms.push(performance.now() - t0);
    }
    const cpu = cpuBetween(before, await backends(t)) / 1000 / QUERIES;
    const key = `${kind}|${state}`;
    const figures = t.queries.get(key) ?? { ms: [], cpu: [] };
    figures.ms.push(median(ms));
    figures.cpu.push(cpu);
    t.queries.set(key, figures);
  }
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
  // The planner's statistics as autovacuum would keep them (it is off on the tables), before anything is counted.
  await t.admin.query('ANALYZE iso8583_transactions');
  const before = await backends(t);
  const wal0 = await lsn(t);
  await store(t, ROWS);
  // The queries between the rows and the merge they owe: their CPU is left out of the rows' (and they write no WAL).
  const stored = await backends(t);
  await measureQueries(t, 'list');
  const queried = await backends(t);
  await cleanPending(t);
  const wal1 = await lsn(t);
  const after = await backends(t);
  t.cpu.push((cpuBetween(before, stored) + cpuBetween(queried, after)) / 1000 / ROWS);
  t.wal.push(Number(wal1 - wal0) / ROWS);
  await measureQueries(t, 'merged');
}

console.log(`transaction log indexes apart: node ${process.version}, ${loadAverage()} at the start`);
console.log(`${VARIANTS.length} variants, pre-fill ${PREFILL} rows each, ${ROUNDS} rounds of ${ROWS} rows, batches of ${BATCH}`);
const cluster = await startPostgres({ durable: true });
const tables: Table[] = [];
const root = new pg.Client({ connectionString: cluster.url });
try {
  await root.connect();
  for (const [i, variant] of VARIANTS.entries()) {
    const db = `variant_${i}`;
    await root.query(`CREATE DATABASE ${db} ${variant.database ?? ''}`);
    const url = cluster.url.replace(/\/postgres$/, `/${db}`);
    const log = new PgTransactionLog({ connectionString: url, maxBatch: BATCH, maxBuffered: BATCH * 4 });
    await log.open();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    tables.push({ variant, log, admin, next: 0, cpu: [], wal: [], queries: new Map() });
    const differences = await schemaDifferences(admin);
    if (differences.length > 0) throw new BenchStop(differences.join('\n  '));
    try {
      await admin.query(variant.setup);
    } catch (err) {
      throw new BenchStop(`variant "${variant.name}": its setup failed: ${(err as Error).message} (SQLSTATE ${(err as { code?: string }).code ?? 'none'})`);
    }
    await admin.query('ALTER TABLE iso8583_transactions SET (autovacuum_enabled = false)');
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
  if (QUERIES > 0) {
    console.log(`\nqueries (PgTransactionLog.query, ${QUERIES} of each kind a round and state): median ms at the client / server CPU us per query, median of the rounds;`);
    console.log(`"list": the round's ${ROWS} rows still in a GIN index's pending list; "merged": after it is merged`);
    for (const [kind, make] of QUERY_KINDS) {
      console.log(`  ${kind}`);
      for (const t of tables) {
        if (!queried(t.variant, make)) {
          console.log(`    ${t.variant.name.padEnd(52)} not measured: ${t.variant.noKeyQueries ?? ''}`);
          continue;
        }
        const cell = (state: string): string => {
          const f = t.queries.get(`${kind}|${state}`);
          return f === undefined ? '-' : `${median(f.ms).toFixed(2)} ms / ${median(f.cpu).toFixed(0)} us`;
        };
        console.log(`    ${t.variant.name.padEnd(52)} list ${cell('list').padEnd(20)} merged ${cell('merged')}`);
      }
    }
  }
  for (const t of tables) {
    const { rows } = await t.admin.query<{ name: string; size: string }>(
      "SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE i.indrelid = 'iso8583_transactions'::regclass ORDER BY 1",
    );
    console.log(`  ${t.variant.name}: ${rows.map((x) => `${x.name.replace('iso8583_transactions_', '')} ${x.size}`).join(', ')}`);
  }
  console.log(`${loadAverage()} at the end`);
} catch (err) {
  if (!(err instanceof BenchStop)) throw err;
  console.error(`pg-index-variants: ${err.message}`);
  process.exitCode = 1;
} finally {
  await root.end().catch(() => undefined);
  for (const t of tables) {
    await t.log.close();
    await t.admin.end();
  }
  cluster.destroy();
}
