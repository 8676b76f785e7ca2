/**
 * Transaction log benchmark: what recording every request costs the gateway, and how fast the file store answers.
 * 1. Two `iso8583 gateway` processes in front of the same `iso8583 simulate-host`, one recording (the default: every
 *    request to the file store, batched, fdatasync per batch) and one with `--no-transaction-log`, both journaling
 *    reversals; 100 POS clients x 4 in flight, the phases alternated. Target: recording costs at most 20% of the
 *    throughput (`met` / `NOT met`; exit code 1 when missed).
 * 2. The file store alone: records appended per second (batched), and queries over a day file of
 *    BENCH_RECORDS records: the latest 100, one STAN near the end, one STAN not there (every line read), a time range.
 *
 * Run: `npx tsc -b bench && node bench/dist/transaction-log.bench.js` (or `npm run bench transaction-log`).
 * Environment: BENCH_CLIENTS (100), BENCH_DEPTH (4), BENCH_MS per phase (10000), BENCH_ROUNDS (2),
 * BENCH_RECORDS (500000).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '@iso8583/connector';
import type { TransactionRecord } from '@iso8583/connector';
import { posLoad } from './gateway/clients.js';
import type { LoadResult } from './gateway/clients.js';
import { startIso8583, stop } from './gateway/processes.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 4);
const PHASE_MS = Number(process.env.BENCH_MS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000);
/** Recording may cost at most this share of the gateway's throughput. */
const MAX_COST = 0.2;

function line(name: string, r: LoadResult): number {
  const rate = r.answers / r.seconds;
  const p = (q: number): string => r.latencies.quantile(q).toFixed(2);
  console.log(`${name.padEnd(36)} ${String(Math.round(rate)).padStart(8)} tx/s   p50 ${p(0.5)} ms   p99 ${p(0.99)} ms   (${r.answers} answers; ${JSON.stringify(r.codes)})`);
  return rate;
}

async function gatewayCost(work: string): Promise<boolean> {
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '900000000000000'], /listening on (\S+):(\d+)/);
  const upstream = `${bank.match[1] as string}:${bank.match[2] as string}`;
  const start = (name: string, extra: string[]) =>
    startIso8583(
      ['gateway', '--upstream', upstream, '--listen', '0', '--http', '0', '--log-level', 'error', '--reversal-journal', join(work, name),
        '--max-connections', String(CLIENTS * 2), ...extra],
      /gateway listening pos=(\S+):(\d+) http=/,
    );
  const recording = await start('recording', []);
  const plain = await start('plain', ['--no-transaction-log']);
  const at = (g: { match: RegExpExecArray }): [string, number] => [g.match[1] as string, Number(g.match[2])];
  try {
    console.log(`gateway with and without the transaction log: ${CLIENTS} POS clients x ${DEPTH} in flight, ${PHASE_MS} ms per phase, ${ROUNDS} rounds`);
    await posLoad(...at(plain), CLIENTS, DEPTH, 3_000);
    await posLoad(...at(recording), CLIENTS, DEPTH, 3_000);
    let without = 0;
    let withLog = 0;
    // ABBA: each side goes first in every other round, so that neither gets the cooler (or busier) machine.
    for (let round = 0; round < ROUNDS; round++) {
      const plainPhase = async (): Promise<void> => {
        without += line('POS -> gateway (no log) -> sim', await posLoad(...at(plain), CLIENTS, DEPTH, PHASE_MS));
      };
      const logPhase = async (): Promise<void> => {
        withLog += line('POS -> gateway (transaction log) -> sim', await posLoad(...at(recording), CLIENTS, DEPTH, PHASE_MS));
      };
      if (round % 2 === 0) {
        await plainPhase();
        await logPhase();
      } else {
        await logPhase();
        await plainPhase();
      }
    }
    const cost = 1 - withLog / without;
    const met = cost <= MAX_COST;
    console.log(`recording costs ${(cost * 100).toFixed(1)}% of the throughput (target: at most ${MAX_COST * 100}%): ${met ? 'met' : 'NOT met'}`);
    return met;
  } finally {
    await stop(recording.child);
    await stop(plain.child);
    await stop(bank.child);
  }
}

function record(i: number, at: number): TransactionRecord {
  return {
    at,
    node: 'bench:1',
    upstream: '127.0.0.1:9',
    mti: '0200',
    responseMti: '0210',
    pan: '411111******1111',
    processingCode: '000000',
    amount: '000000001000',
    currency: '840',
    transmissionTime: '1130210000',
    stan: String(i % 1_000_000).padStart(6, '0'),
    rrn: String(i).padStart(12, '0'),
    authCode: 'A00001',
    responseCode: '00',
    terminal: `T${String(i % 10_000).padStart(7, '0')}`,
    merchant: 'TESTMERCHANT001',
    latencyMs: 1.234,
    outcome: 'approved',
  };
}

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
  await timed('one STAN recorded a minute ago', () => log.query({ rrn: String(RECORDS - 50).padStart(12, '0') }), n);
  await timed('the last hour', () => log.query({ from: day + 80_000_000 - 3_600_000, limit: 10_000 }), n);
  await timed('an RRN not there (every line read)', () => log.query({ rrn: 'NOTTHERE0000' }), n);
  await timed('a terminal, 10000 newest', () => log.query({ terminal: 'T0000042', limit: 10_000 }), n);
  await log.close();
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-bench-txlog-'));
  try {
    const met = await gatewayCost(work);
    await fileStore(work);
    if (!met) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
