/**
 * The gateway's own cost per transaction as instructions, which a busy machine does not bend (its CPU time there moves
 * 10-50% from run to run): the simulator as usual, the gateway (`--no-reversal` unless `BENCH_INSN_JOURNAL=1`, its
 * transaction log on) under callgrind with `node --predictable --random-seed=1 --hash-seed=1` (one thread for the
 * engine: no concurrent compiling or collecting), and one POS connection sending one purchase at a time, so every
 * transaction takes the same path (one read and one write on each side). After `BENCH_INSN_WARMUP` (default 3000)
 * transactions the benchmark signals the gateway (SIGUSR2; gateway/instructions-mark.ts, loaded with `--import`, calls
 * `process.cpuUsage()`, before which callgrind dumps: `--dump-before=uv_getrusage`), sends `BENCH_INSN_N` (default
 * 5000) more and signals again: the second dump holds those N transactions alone, with what ran between them (the
 * transaction log's batches and syncs on their timers, as in service). Prints the instructions a transaction, every
 * thread of the process counted (the file writes' thread-pool threads too), the engine's compiling left out (the
 * calls into its compiling runtime functions, inclusive: see `COMPILING`), and, beside it, all and compiling alone.
 * What it cannot show as in service: under callgrind a transaction takes about 50 times longer, so the transaction
 * log's batches (every 10 ms) hold a few records each, not hundreds: a batch's own cost weighs far more here.
 *
 * Two runs of one build agree within about 1% (the batches' timers follow the wall clock, which callgrind stretches
 * by how busy the machine is): a change under about 1.5% needs more runs (docs/operations.md, the tenth pass).
 *
 * Run (valgrind 3.19+; about 2.5 minutes a run at the defaults, take the heavy lock):
 *   node bench/dist/gateway/instructions.js
 * `BENCH_INSN_RUNS` (default 2) runs of a fresh gateway each; `BENCH_INSN_OTHER` (another checkout's root, built):
 * its gateway as well, the two alternating run by run, and each one's figures printed with the ratio of the medians.
 * `BENCH_INSN_ARGS`: more `iso8583 gateway` flags (space-separated); `BENCH_INSN_FLAGS`: more node flags for it (after
 * a 3000 warm-up much of the hot path still runs in the baseline tier, but `--interrupt-budget=8192`, optimizing
 * sooner, raised the count and its spread: a longer warm-up is the lever). `BENCH_INSN_KEEP` (a folder): the callgrind
 * files are kept there (`cg.<build>.<run>.<pid>.out.2` is the measured phase; read it with `callgrind_annotate`; with
 * `BENCH_INSN_PERF_MAP=1` the gateway writes `/tmp/perf-<pid>.map`, which names its compiled JavaScript).
 */
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '@iso8583/test-support';
import { readCallgrind } from './callgrind-file.js';
import { serialPos } from './clients.js';
import { startIso8583, stop } from './processes.js';
import { median } from './rounds.js';

const WARMUP = Number(process.env.BENCH_INSN_WARMUP ?? 3_000);
const N = Number(process.env.BENCH_INSN_N ?? 5_000);
const RUNS = Number(process.env.BENCH_INSN_RUNS ?? 2);
const OTHER = process.env.BENCH_INSN_OTHER;
const JOURNAL = process.env.BENCH_INSN_JOURNAL === '1';
const ARGS = (process.env.BENCH_INSN_ARGS ?? '').split(' ').filter((f) => f !== '');
const KEEP = process.env.BENCH_INSN_KEEP;
const FLAGS = (process.env.BENCH_INSN_FLAGS ?? '').split(' ').filter((f) => f !== '');
const READY = /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/;
/** A count, rounded, with thousands separators, right-aligned. */
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
const MARK = fileURLToPath(new URL('./instructions-mark.js', import.meta.url));

/**
 * The engine compiling (bytecode for a function's first call, optimized code as a function gets hot): the calls into
 * these runtime functions. Under callgrind the gateway runs about 50 times slower, so a warm-up of a few thousand
 * transactions leaves functions still to be optimized in the measured phase (those of each batch of the transaction
 * log: tens of calls a second), each a few million instructions: 55% of the phase's instructions after 3000, varying
 * from build to build with what got hot when. In service they are spent once, in the first seconds.
 */
const COMPILING = /^v8::internal::Runtime_(CompileLazy|CompileOptimized|CompileOptimizedOSR|CompileBaseline|InstallBaselineCode)\(/;

/** What one run measured, per transaction. */
interface Counted {
  /** Every instruction of the measured phase. */
  all: number;
  /** Those of the engine's compiling ({@link COMPILING}). */
  compiling: number;
}

/** One run: a fresh gateway of the checkout at `root` under callgrind; returns the instructions a transaction. */
async function run(bank: string, root: string, name: string, index: number): Promise<Counted> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-insn-'));
  const out = join(work, 'cg.out');
  try {
    const gw = await startIso8583(
      ['gateway', '--upstream', bank, '--listen', '0', '--http', '0', '--log-level', 'error', '--reversal-journal', join(work, 'state'),
        ...(JOURNAL ? [] : ['--no-reversal']), ...ARGS],
      READY,
      ['--predictable', '--random-seed=1', '--hash-seed=1', ...FLAGS, ...(process.env.BENCH_INSN_PERF_MAP === '1' ? ['--perf-basic-prof'] : []), '--import', MARK],
      root,
      ['valgrind', '--tool=callgrind', '--dump-before=uv_getrusage', `--callgrind-out-file=${out}`],
    );
    let marks = 0;
    let marked: () => void = () => undefined;
    gw.child.stdout?.on('data', (chunk: string) => {
      for (const _ of chunk.matchAll(/instructions mark \d+/g)) marks++;
      marked();
    });
    const mark = (want: number): Promise<void> =>
      new Promise((done, fail) => {
        gw.child.once('exit', (code) => fail(new Error(`the gateway exited (${String(code)}) before mark ${want}`)));
        marked = () => {
          if (marks >= want) done();
        };
        gw.child.kill('SIGUSR2');
      });
    const pos = await serialPos(gw.match[1] as string, Number(gw.match[2]), `I${String(index).padStart(3, '0')}${name.slice(0, 4).padEnd(4, '0')}`);
    const warm = await pos.run(WARMUP);
    await mark(1);
    const codes = await pos.run(N);
    await mark(2);
    pos.end();
    await stop(gw.child);
    const measured = readCallgrind(`${out}.2`);
    if (KEEP !== undefined) {
      for (const f of readdirSync(work).filter((f) => f.startsWith('cg.out'))) renameSync(join(work, f), join(resolve(KEEP), `cg.${name}.${index}.${String(gw.child.pid)}.${f.slice(3)}`));
    }
    if ((codes['00'] ?? 0) !== N) throw new Error(`answers other than 00: ${JSON.stringify(codes)} (warm-up ${JSON.stringify(warm)})`);
    return { all: measured.total / N, compiling: measured.callsInto(COMPILING) / N };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!(N > 0) || !(WARMUP >= 0) || !(RUNS > 0)) throw new Error('BENCH_INSN_N, BENCH_INSN_WARMUP and BENCH_INSN_RUNS: counts');
  const builds: [string, string][] = [['this', repoRoot()], ...(OTHER === undefined ? [] : [['other', resolve(OTHER)] as [string, string]])];
  const sim = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const bank = `${sim.match[1] as string}:${sim.match[2] as string}`;
  const figures = new Map<string, number[]>(builds.map(([name]) => [name, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [name, root] of i % 2 === 0 ? builds : [...builds].reverse()) {
        const counted = await run(bank, root, name, i);
        const perTx = counted.all - counted.compiling;
        (figures.get(name) as number[]).push(perTx);
        console.log(
          `run ${i} ${name.padEnd(5)} ${fmt(perTx)} instructions a transaction, compiling left out ` +
            `(all ${fmt(counted.all)}, compiling ${fmt(counted.compiling)}; ${N} after ${WARMUP})`,
        );
      }
    }
  } finally {
    await stop(sim.child);
  }
  for (const [name, f] of figures) {
    const spread = (Math.max(...f) / Math.min(...f) - 1) * 100;
    console.log(`median ${name.padEnd(5)} ${fmt(median(f))} instructions a transaction, compiling left out (runs apart by ${spread.toFixed(2)}%)`);
  }
  if (OTHER !== undefined) {
    console.log(`this / other: ${(median(figures.get('this') as number[]) / median(figures.get('other') as number[])).toFixed(4)}x`);
  }
}

await main();
