/**
 * Gateway benchmark: throughput and latency of 100 binary POS clients through `iso8583 gateway` (reversal journal on)
 * to `iso8583 simulate-host`, compared in the same run with the same load client talking to the simulator directly
 * (the target: at least 0.8x), and, for the cost of each part, with the connector alone against the same simulator,
 * without and with the reversal journal; then an open-loop run at half the gateway's peak rate (the target: p99 under
 * 10 ms); then a long run watching the gateway's heap and open file descriptors (from its own GET /metrics) to show
 * they stay flat. Simulator, gateway and load generator are three processes. Each ratio is printed with its target
 * and `met` / `NOT met`; the exit code is 1 when a target is not met.
 *
 * The simulator opens every card with a balance that a run cannot spend, so the purchases measured are approved (00),
 * the full path of the simulator (debit, retrieval reference, approval code), not 51 declines.
 *
 * Run: `npx tsc -b bench && node bench/dist/gateway.bench.js` (or `npm run bench gateway`).
 * Environment: BENCH_CLIENTS (100), BENCH_DEPTH in flight per client (4), BENCH_MS per measured phase (10000),
 * BENCH_LONG_MS of the long run (60000), BENCH_SAMPLE_MS between heap/fd samples (5000), BENCH_CPU_PROF (a folder: the
 * gateways run with `--cpu-prof` and write their profiles there on exit; default none), BENCH_GC_WATCH (milliseconds:
 * each gateway prints its GC pauses and event-loop delay that often, gateway/gc-watch.ts; default off),
 * BENCH_TAIL_WATCH (milliseconds: each gateway prints where its requests' time goes, gateway/tail-watch.ts; default
 * off; with either watch the open-loop client prints its own view too, gateway/paced-watch.ts), BENCH_TICK_MS (the
 * open-loop load's tick, gateway/clients.ts; default 5).
 *
 * The half-peak target is followed by the machine's CPU pressure over that phase and over its floor (Linux PSI,
 * gateway/rounds.ts `cpuPressure`: the share of the time a runnable task waited for a CPU).
 *
 * Each measured phase (the open-loop ones too) also prints the CPU each process spent per answer (utime + stime from /proc, gateway/cpu.ts):
 * the client (this process), the simulator and the gateway; with three processes on two cores the run is CPU-bound,
 * and (C + S) / (C + S + G) is the most the gateway's ratio can be until one of them costs less.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector } from '@iso8583/connector';
import { connectorLoad, pacedPosLoad, posLoad } from './gateway/clients.js';
import type { LoadResult } from './gateway/clients.js';
import { combine, cpuBound, cpuLine, measureCpu } from './gateway/cpu.js';
import type { CpuFigures, Roles } from './gateway/cpu.js';
import { gcWatchFlags, startIso8583, stop } from './gateway/processes.js';
import type { Started } from './gateway/processes.js';
import { cpuPressure } from './gateway/rounds.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 4);
const PHASE_MS = Number(process.env.BENCH_MS ?? 10_000);
const LONG_MS = Number(process.env.BENCH_LONG_MS ?? 60_000);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 5_000);
const CPU_PROF = process.env.BENCH_CPU_PROF;

/** A measured phase: its load result and the CPU per answer of each process. */
interface Phase extends LoadResult {
  cpu: CpuFigures;
}

/** Runs one phase of load, measuring the CPU of `roles` over it. */
async function measured(roles: Roles, load: () => Promise<LoadResult>): Promise<Phase> {
  const end = measureCpu(roles);
  const r = await load();
  return { ...r, cpu: end(r.answers) };
}

/** Answers a second over every run of a path (the rounds alternate, so each path gets the same share of noise). */
function rateOf(runs: LoadResult[]): number {
  return runs.reduce((n, r) => n + r.answers, 0) / runs.reduce((n, r) => n + r.seconds, 0);
}

let missed = 0;
/** One target line: the figure, its target and whether it is met. */
function target(name: string, figure: string, goal: string, met: boolean): void {
  if (!met) missed++;
  console.log(`${name.padEnd(52)} ${figure.padStart(9)}   target ${goal.padEnd(8)} ${met ? 'met' : 'NOT met'}`);
}

function report<R extends LoadResult>(name: string, r: R): R {
  const rate = Math.round(r.answers / r.seconds);
  const p = (q: number): string => r.latencies.quantile(q).toFixed(2);
  console.log(
    `${name.padEnd(34)} ${String(rate).padStart(8)} tx/s   p50 ${p(0.5)} ms   p99 ${p(0.99)} ms   p99.9 ${p(0.999)} ms` +
      `   (${r.answers} answers; response codes ${JSON.stringify(r.codes)})`,
  );
  const cpu = (r as Partial<Phase>).cpu;
  if (cpu !== undefined) console.log(`${''.padEnd(34)} cpu: ${cpuLine(cpu)}`);
  return r;
}

/** The CPU figures of every run of a path together. */
function cpuOf(runs: Phase[]): CpuFigures {
  return combine(runs.map((r) => ({ cpu: r.cpu, answers: r.answers, seconds: r.seconds })));
}

/** One value of the gateway's Prometheus text. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

async function main(): Promise<void> {
  const journal = mkdtempSync(join(tmpdir(), 'iso8583-bench-'));
  const prof = [...(CPU_PROF === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', CPU_PROF]), ...gcWatchFlags()];
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const bankHost = bank.match[1] as string;
  const bankPort = Number(bank.match[2]);
  const gw = await startIso8583(
    ['gateway', '--upstream', `${bankHost}:${bankPort}`, '--listen', '0', '--http', '0', '--log-level', 'error',
      '--reversal-journal', journal, '--max-connections', String(CLIENTS * 2)],
    /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/,
    prof,
  );
  // The same gateway without the journal: what the journal's fsyncs cost on this machine's disk.
  const bare = await startIso8583(
    ['gateway', '--upstream', `${bankHost}:${bankPort}`, '--listen', '0', '--http', '0', '--log-level', 'error',
      '--no-reversal', '--max-connections', String(CLIENTS * 2)],
    /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/,
    prof,
  );
  const bareHost = bare.match[1] as string;
  const barePort = Number(bare.match[2]);
  const posHost = gw.match[1] as string;
  const posPort = Number(gw.match[2]);
  const httpUrl = `http://${gw.match[3] as string}:${gw.match[4] as string}`;
  console.log(`gateway benchmark: ${CLIENTS} POS clients x ${DEPTH} in flight, ${PHASE_MS} ms per phase (node ${process.version})`);

  const connector = createConnector({ name: 'bench', host: bankHost, port: bankPort, requestTimeout: 30_000, maxInFlight: CLIENTS * DEPTH + 10 });
  // The gateway journals every purchase before it leaves (automatic reversal): the fair baseline does the same.
  const journaled = createConnector({
    name: 'bench-journaled', host: bankHost, port: bankPort, requestTimeout: 30_000, maxInFlight: CLIENTS * DEPTH + 10,
    reversal: { enabled: true, journalDir: join(journal, 'connector') },
  });
  await connector.connect();
  await journaled.connect();
  try {
    // Warm-up of both paths, then alternate so that neither gets the cooler machine.
    await posLoad(posHost, posPort, CLIENTS, DEPTH, 5_000);
    await posLoad(bankHost, bankPort, CLIENTS, DEPTH, 3_000);
    await connectorLoad(connector, CLIENTS * DEPTH, 3_000);
    await connectorLoad(journaled, CLIENTS * DEPTH, 3_000);
    await posLoad(bareHost, barePort, CLIENTS, DEPTH, 3_000);
    const runs = { direct: [] as Phase[], alone: [] as Phase[], journal: [] as Phase[], gateway: [] as Phase[], bare: [] as Phase[] };
    const sim = bank.child.pid as number;
    const straight: Roles = { client: 'self', simulator: sim };
    const via = (gateway: Started): Roles => ({ client: 'self', simulator: sim, gateway: gateway.child.pid as number });
    for (let round = 0; round < 2; round++) {
      runs.direct.push(report('POS clients -> simulator directly', await measured(straight, () => posLoad(bankHost, bankPort, CLIENTS, DEPTH, PHASE_MS))));
      runs.alone.push(report('connector alone -> simulator', await measured(straight, () => connectorLoad(connector, CLIENTS * DEPTH, PHASE_MS))));
      runs.journal.push(report('connector + journal -> simulator', await measured(straight, () => connectorLoad(journaled, CLIENTS * DEPTH, PHASE_MS))));
      runs.gateway.push(report('POS -> gateway (journal) -> sim', await measured(via(gw), () => posLoad(posHost, posPort, CLIENTS, DEPTH, PHASE_MS))));
      runs.bare.push(report('POS -> gateway (no journal) -> sim', await measured(via(bare), () => posLoad(bareHost, barePort, CLIENTS, DEPTH, PHASE_MS))));
    }
    const peak = rateOf(runs.gateway);
    const half = Math.round(peak / 2);
    // The same open-loop load straight to the simulator: the machine's own latency floor at that rate.
    const floorPressure = cpuPressure();
    const floor = report(`POS -> simulator at ${half}/s (floor)`, await measured(straight, () => pacedPosLoad(bankHost, bankPort, CLIENTS, half, PHASE_MS)));
    const floorPressed = floorPressure();
    const pacedPressure = cpuPressure();
    const paced = report(`POS -> gateway at half its peak (${half}/s)`, await measured(via(gw), () => pacedPosLoad(posHost, posPort, CLIENTS, half, PHASE_MS)));
    const pacedPressed = pacedPressure();
    const direct = rateOf(runs.direct);
    const p99 = paced.latencies.quantile(0.99);
    console.log('');
    target('gateway / same POS clients to the simulator directly', `${(peak / direct).toFixed(2)}x`, '>= 0.80x', peak / direct >= 0.8);
    target(`gateway p99 at half its peak rate (${half}/s)`, `${p99.toFixed(2)} ms`, '< 10 ms', p99 < 10);
    console.log(`${'  (the simulator directly at that rate: p99)'.padEnd(52)} ${`${floor.latencies.quantile(0.99).toFixed(2)} ms`.padStart(9)}`);
    // How contended the machine was over those two phases (a p99 measured with the cores this busy is the machine's).
    console.log(`${'  (over the gateway phase; over the floor phase)'.padEnd(52)} ${pacedPressed}; ${floorPressed}`);
    // For the reader: where the time goes (no target of their own here).
    console.log(`${'gateway / connector alone'.padEnd(52)} ${`${(peak / rateOf(runs.alone)).toFixed(2)}x`.padStart(9)}`);
    console.log(`${'gateway / connector + journal'.padEnd(52)} ${`${(peak / rateOf(runs.journal)).toFixed(2)}x`.padStart(9)}`);
    console.log(`${'gateway with journal / gateway without'.padEnd(52)} ${`${(peak / rateOf(runs.bare)).toFixed(2)}x`.padStart(9)}`);
    console.log(`${'gateway without journal / simulator directly'.padEnd(52)} ${`${(rateOf(runs.bare) / direct).toFixed(2)}x`.padStart(9)}`);
    console.log(`${'connector + journal / connector alone'.padEnd(52)} ${`${(rateOf(runs.journal) / rateOf(runs.alone)).toFixed(2)}x`.padStart(9)}`);
    // CPU per transaction over both rounds of each path, and what it implies when the run is CPU-bound.
    console.log('\ncpu per transaction (both rounds; utime + stime / answers):');
    for (const [name, path] of [['simulator directly', runs.direct], ['gateway (journal)', runs.gateway], ['gateway (no journal)', runs.bare]] as const) {
      console.log(`  ${name.padEnd(22)} ${cpuLine(cpuOf(path))}`);
    }
    const bound = (path: Phase[]): string => `${cpuBound(cpuOf(path)).toFixed(2)}x`;
    console.log(`${'bound on 2 cores, (C+S)/(C+S+G), gateway (journal)'.padEnd(52)} ${bound(runs.gateway).padStart(9)}`);
    console.log(`${'bound on 2 cores, (C+S)/(C+S+G), gateway (no journal)'.padEnd(52)} ${bound(runs.bare).padStart(9)}`);
    // The gateway is one event loop: it cannot pass one core, 1 / G transactions a second, whatever the cores.
    const oneCore = (path: Phase[]): string => `${(1e6 / (cpuOf(path).usPerTx.gateway as number) / direct).toFixed(2)}x`;
    console.log(`${'one-core bound, (1/G)/direct, gateway (journal)'.padEnd(52)} ${oneCore(runs.gateway).padStart(9)}`);
    console.log(`${'one-core bound, (1/G)/direct, gateway (no journal)'.padEnd(52)} ${oneCore(runs.bare).padStart(9)}`);

    // The long run: the gateway's heap and file descriptors, sampled from its own metrics.
    console.log(`\nlong run: ${LONG_MS} ms, gateway heap used and open fds every ${SAMPLE_MS} ms`);
    const samples: { heap: number; fds: number }[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
        if (!running) break;
        const text = await (await fetch(`${httpUrl}/metrics`)).text();
        const s = { heap: metric(text, 'nodejs_heap_size_used_bytes'), fds: metric(text, 'process_open_fds') };
        samples.push(s);
        console.log(`  t=${String(samples.length * SAMPLE_MS / 1000).padStart(4)} s  heap ${(s.heap / 1048576).toFixed(1)} MiB  fds ${s.fds}`);
      }
    })();
    const long = await posLoad(posHost, posPort, CLIENTS, DEPTH, LONG_MS);
    running = false;
    await sampler;
    report('long run', long);
    if (samples.length >= 4) {
      const half = Math.floor(samples.length / 2);
      const avg = (xs: { heap: number }[]): number => xs.reduce((n, s) => n + s.heap, 0) / xs.length;
      const first = avg(samples.slice(1, half));
      const second = avg(samples.slice(half));
      const fds = samples.map((s) => s.fds);
      // Heap used swings with the young generation; its floor (the lowest sample, right after a collection) is what
      // would grow with a leak.
      const floor = (xs: { heap: number }[]): number => Math.min(...xs.map((s) => s.heap)) / 1048576;
      console.log(
        `heap used: mean ${(first / 1048576).toFixed(1)} -> ${(second / 1048576).toFixed(1)} MiB ` +
          `(${(((second - first) / first) * 100).toFixed(1)}%), floor ${floor(samples.slice(1, half)).toFixed(1)} -> ` +
          `${floor(samples.slice(half)).toFixed(1)} MiB (first half -> second half); open fds min ${Math.min(...fds)} max ${Math.max(...fds)}`,
      );
    }
  } finally {
    await connector.close();
    await journaled.close();
    await stop(gw.child);
    await stop(bare.child);
    await stop(bank.child);
    rmSync(journal, { recursive: true, force: true });
  }
}

await main();
if (missed > 0) {
  console.error(`gateway benchmark: ${missed} target(s) NOT met`);
  process.exitCode = 1;
}
