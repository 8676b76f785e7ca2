/**
 * Transaction log benchmark: what recording every request costs the gateway, with either store, and how fast the file
 * store answers.
 * 1. Per store, two `iso8583 gateway` processes in front of one `iso8583 simulate-host`: one recording every request,
 *    one with `--no-transaction-log`, otherwise the same (both journal reversals in the same kind of store).
 *    - `file`: the default (records batched to a day file, fdatasync per batch; reversals in a file journal);
 *    - `postgresql`: `--store postgresql://...` on a real server made on the spot by `startPostgres()` (fsync on, as
 *      in production; each gateway its own database), so that the SAF journal and the log are both on PostgreSQL.
 *    100 POS clients x 4 in flight; a warm-up of each gateway not counted, then BENCH_ROUNDS short rounds, the side
 *    that goes first alternating (bench/gateway/rounds.ts). Each round's ratio is printed; the figure is the median
 *    ratio. Target: recording costs at most 20% of the throughput (`met` / `NOT met`; exit code 1 when either misses).
 *    The load average is printed at the start, after every round and at the end: on a shared machine, read it first.
 *    Each phase also prints the CPU each side used per answer (the gateway process, and for `postgresql` the whole
 *    database server: postmaster and children, bench/gateway/postgres-cpu.ts), and the row ends with the medians:
 *    where the cost of recording goes, which on a shared machine is steadier than the throughput.
 * 2. The file store alone: records appended per second (batched), and queries over a day file of
 *    BENCH_RECORDS records: the latest 100, one STAN and one RRN of a minute before the end, the last hour, an RRN not
 *    there (every line read), a terminal's newest 10,000.
 *
 * Run: `npx tsc -b bench && node bench/dist/transaction-log.bench.js [file|postgresql]` (default both; or
 * `npm run bench transaction-log`). Environment: BENCH_CLIENTS (100), BENCH_DEPTH (4), BENCH_WARMUP_MS (3000),
 * BENCH_MS per phase (4000), BENCH_ROUNDS (10; 6 before 2026-12-01's schema 104: more alternated rounds move the median
 * less for one burst of another process's work on a shared machine), BENCH_RECORDS (500000).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '@iso8583/connector';
import type { TransactionRecord } from '@iso8583/connector';
import { startPostgres } from '@iso8583/test-support';
import { cpuSeconds } from './gateway/cpu.js';
import { postmasterPid, serverCpuSeconds } from './gateway/postgres-cpu.js';
import { alternatedRounds, loadAverage, median } from './gateway/rounds.js';
import type { Side } from './gateway/rounds.js';
import { startIso8583, stop } from './gateway/processes.js';
import type { Started } from './gateway/processes.js';
import { sampleTransactionRecord } from '@iso8583/test-support';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 4);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
const PHASE_MS = Number(process.env.BENCH_MS ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000);
const STORES = process.argv[2] === undefined ? ['file', 'postgresql'] : [process.argv[2]];
/** Recording may cost at most this share of the gateway's throughput. */
const MAX_COST = 0.2;

/** Where each gateway of a row keeps its reversals and its log: `--reversal-journal DIR` or `--store URL`. */
type StoreFlags = (side: 'recording' | 'plain') => string[];

/** The median per role of a side's CPU figures (microseconds per answer, per phase). */
function medianCpu(phases: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(Object.keys(phases[0] ?? {}).map((role) => [role, median(phases.map((p) => p[role] as number))]));
}

/**
 * One row: the gateway recording vs not recording, with the store flags given; true when the target is met. Each
 * phase also reads the CPU the gateway used (and, with `postmaster`, the PostgreSQL server), per answer.
 */
async function gatewayCost(store: string, flags: StoreFlags, postmaster?: number): Promise<boolean> {
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const upstream = `${bank.match[1] as string}:${bank.match[2] as string}`;
  const start = (extra: string[]): Promise<Started> =>
    startIso8583(
      ['gateway', '--upstream', upstream, '--listen', '0', '--http', '0', '--log-level', 'error', '--max-connections', String(CLIENTS * 2), ...extra],
      /gateway listening pos=(\S+):(\d+) http=/,
    );
  const started: Started[] = [bank];
  try {
    const recording = await start(flags('recording'));
    started.push(recording);
    const plain = await start([...flags('plain'), '--no-transaction-log']);
    started.push(plain);
    const side = (name: string, g: Started): Side => ({ name, host: g.match[1] as string, port: Number(g.match[2]) });
    console.log(`\n${store} store: gateway with and without the transaction log, ${CLIENTS} POS clients x ${DEPTH} in flight, ` +
      `warm-up ${WARMUP_MS} ms each, ${ROUNDS} rounds of ${PHASE_MS} ms per side`);
    const pids = new Map([[`gateway, ${store}, no log`, plain.child.pid as number], [`gateway, ${store}, transaction log`, recording.child.pid as number]]);
    const cpu = (s: Side): Record<string, () => number> => ({
      gateway: () => cpuSeconds(pids.get(s.name) as number),
      ...(postmaster === undefined ? {} : { postgres: () => serverCpuSeconds(postmaster) }),
    });
    const r = await alternatedRounds(side(`gateway, ${store}, no log`, plain), side(`gateway, ${store}, transaction log`, recording), {
      clients: CLIENTS, depth: DEPTH, warmupMs: WARMUP_MS, phaseMs: PHASE_MS, rounds: ROUNDS, cpu,
    });
    const plainCpu = medianCpu(r.cpuBaseline);
    const recordingCpu = medianCpu(r.cpuCandidate);
    console.log(`${store}: CPU per transaction, median of the rounds: ` + Object.keys(plainCpu)
      .map((role) => `${role} ${(plainCpu[role] as number).toFixed(1)} -> ${(recordingCpu[role] as number).toFixed(1)} us (+${((recordingCpu[role] as number) - (plainCpu[role] as number)).toFixed(1)})`)
      .join(', '));
    const cost = 1 - r.medianRatio;
    const met = cost <= MAX_COST;
    console.log(`${store}: ratios ${r.ratios.map((x) => x.toFixed(3)).join(' ')}; median ${r.medianRatio.toFixed(3)}: ` +
      `recording costs ${(cost * 100).toFixed(1)}% of the throughput (target: at most ${MAX_COST * 100}%): ${met ? 'met' : 'NOT met'}`);
    return met;
  } finally {
    for (const p of started.reverse()) await stop(p.child);
  }
}

/** Record `i` at `at` (test-support's sample purchase), over 10,000 terminals. */
const record = (i: number, at: number): TransactionRecord =>
  sampleTransactionRecord(i, { at, node: 'bench:1', terminal: `T${String(i % 10_000).padStart(7, '0')}` });

async function timed<T>(what: string, run: () => Promise<T>, describe: (r: T) => string): Promise<void> {
  const t0 = performance.now();
  const r = await run();
  console.log(`  ${what.padEnd(44)} ${(performance.now() - t0).toFixed(1).padStart(8)} ms   ${describe(r)}`);
}

async function fileStore(work: string): Promise<void> {
  const dir = join(work, 'store');
  const log = new FileTransactionLog(dir);
  await log.open();
  const day = Date.parse('2026-11-30T00:00:00Z');
  console.log(`\nfile store: ${RECORDS} records in one day file`);
  const t0 = performance.now();
  // In bursts of 1000 per turn, as a busy gateway records them.
  for (let i = 0; i < RECORDS; i += 1000) {
    const burst: Promise<void>[] = [];
    for (let j = i; j < Math.min(RECORDS, i + 1000); j++) burst.push(log.record(record(j, day + Math.floor((j * 80_000_000) / RECORDS))));
    await Promise.all(burst);
  }
  const seconds = (performance.now() - t0) / 1000;
  const s = log.stats;
  const size = statSync(join(dir, transactionFile('2026-11-30'))).size;
  console.log(`  appended ${Math.round(RECORDS / seconds)} records/s in ${s.batches} batches (${(size / 1048576).toFixed(0)} MiB)`);
  const n = (r: TransactionRecord[]): string => `${r.length} records`;
  await timed('latest 100', () => log.query({}), n);
  // The record of a minute before the last (records are 80,000,000 / RECORDS ms apart), found by its STAN (field 11:
  // the sample record's is its number modulo 1,000,000, six digits) and by its RRN (field 37: its number, twelve).
  const minuteAgo = RECORDS - Math.ceil((60_000 * RECORDS) / 80_000_000);
  await timed('one STAN recorded a minute ago', () => log.query({ stan: String(minuteAgo % 1_000_000).padStart(6, '0') }), n);
  await timed('one RRN recorded a minute ago', () => log.query({ rrn: String(minuteAgo).padStart(12, '0') }), n);
  await timed('the last hour', () => log.query({ from: day + 80_000_000 - 3_600_000, limit: 10_000 }), n);
  await timed('an RRN not there (every line read)', () => log.query({ rrn: 'NOTTHERE0000' }), n);
  await timed('a terminal, 10000 newest', () => log.query({ terminal: 'T0000042', limit: 10_000 }), n);
  await log.close();
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-bench-txlog-'));
  console.log(`transaction log benchmark: node ${process.version}, ${loadAverage()} at the start`);
  const missed: string[] = [];
  try {
    if (STORES.includes('file')) {
      if (!(await gatewayCost('file', (side) => ['--reversal-journal', join(work, side)]))) missed.push('file');
    }
    if (STORES.includes('postgresql')) {
      // fsync on, as a production server runs: the SAF journal's commits and the log's batches both pay for it.
      const cluster = await startPostgres({ durable: true });
      try {
        const urls = { recording: cluster.createDatabase('bench_recording'), plain: cluster.createDatabase('bench_plain') };
        const postmaster = await postmasterPid(cluster.url);
        if (!(await gatewayCost('postgresql', (side) => ['--store', urls[side]], postmaster))) missed.push('postgresql');
      } finally {
        cluster.destroy();
      }
    }
    if (STORES.includes('file')) await fileStore(work);
    console.log(`\n${loadAverage()} at the end; targets ${missed.length === 0 ? 'met' : `NOT met: ${missed.join(', ')}`}`);
    if (missed.length > 0) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
