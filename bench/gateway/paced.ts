/**
 * One gateway of this checkout (reversal journal on unless `BENCH_PACED_JOURNAL=0`) under the open-loop load of the
 * gateway benchmark at `BENCH_PACED_RATE` (default 6000) transactions a second, beside the same load straight to the
 * simulator (the floor), for looking into the latency tail: node flags for the gateway from `BENCH_PACED_FLAGS`
 * (space-separated, e.g. `--trace-gc`; its stderr is this process's), `BENCH_PACED_ROUNDS` (default 3) rounds of
 * `BENCH_MS` (default 5000) ms, each printing the gateway's and the floor's p50 / p99 / p99.9 and the gateway's CPU per
 * transaction, with the load average. `BENCH_GC_WATCH` / `BENCH_TAIL_WATCH` as for the other gateway benchmarks.
 * `BENCH_PACED_TICKS` (e.g. `5 1`): each round measures both at each of these ticks of the open-loop load (default:
 * `BENCH_TICK_MS`, 5), to show what the bursts of a coarse tick add. `BENCH_PACED_ARGS`: more `iso8583 gateway` flags
 * (space-separated); `BENCH_PACED_LOG_LEVEL` the gateway's `--log-level` (default `error`; its log goes to stderr).
 * `BENCH_PACED_WARMUP_MS` (default 3000): the closed-loop warm-up (100 x 4 in flight) before the rounds. Each round
 * prints the gateway's answers by response code, and the machine's CPU pressure over the gateway's phase (rounds.ts
 * `cpuPressure`).
 *
 * Run: `BENCH_PACED_FLAGS=--max-semi-space-size=32 node bench/dist/gateway/paced.js`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TICK_MS, pacedPosLoad, posLoad } from './clients.js';
import type { LoadResult } from './clients.js';
import { measureCpu } from './cpu.js';
import { gcWatchFlags, startIso8583, stop } from './processes.js';
import { cpuPressure, loadAverage, median } from './rounds.js';

const RATE = Number(process.env.BENCH_PACED_RATE ?? 6_000);
const ROUNDS = Number(process.env.BENCH_PACED_ROUNDS ?? 3);
const PHASE_MS = Number(process.env.BENCH_MS ?? 5_000);
const JOURNAL = process.env.BENCH_PACED_JOURNAL !== '0';
const FLAGS = (process.env.BENCH_PACED_FLAGS ?? '').split(' ').filter((f) => f !== '');
const TICKS = (process.env.BENCH_PACED_TICKS ?? String(TICK_MS)).split(' ').filter((f) => f !== '').map(Number);
const ARGS = (process.env.BENCH_PACED_ARGS ?? '').split(' ').filter((f) => f !== '');
const LOG_LEVEL = process.env.BENCH_PACED_LOG_LEVEL ?? 'error';
const WARMUP_MS = Number(process.env.BENCH_PACED_WARMUP_MS ?? 3_000);

const quantiles = (r: LoadResult): string =>
  [0.5, 0.99, 0.999].map((q) => r.latencies.quantile(q).toFixed(2)).join(' / ');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-paced-'));
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const gw = await startIso8583(
    ['gateway', '--upstream', `${bank.match[1] as string}:${bank.match[2] as string}`, '--listen', '0', '--http', '0', '--log-level', LOG_LEVEL,
      '--max-connections', '400', '--reversal-journal', work, ...(JOURNAL ? [] : ['--no-reversal']), ...ARGS],
    /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/,
    [...FLAGS, ...gcWatchFlags()],
  );
  // What the gateway prints after its ready line (`--trace-gc` writes to stdout) goes to this process's stderr.
  gw.child.stdout?.on('data', (chunk: string) => process.stderr.write(chunk));
  const host = gw.match[1] as string;
  const port = Number(gw.match[2]);
  const p99 = new Map<number, { gateway: number[]; floor: number[] }>(TICKS.map((t) => [t, { gateway: [], floor: [] }]));
  try {
    await posLoad(host, port, 100, 4, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const tick of TICKS) {
        const end = measureCpu({ client: 'self', simulator: bank.child.pid as number, gateway: gw.child.pid as number });
        const pressure = cpuPressure();
        const r = await pacedPosLoad(host, port, 100, RATE, PHASE_MS, tick);
        const cpu = end(r.answers);
        const pressed = pressure();
        const f = await pacedPosLoad(bank.match[1] as string, Number(bank.match[2]), 100, RATE, PHASE_MS, tick);
        const figures = p99.get(tick) as { gateway: number[]; floor: number[] };
        figures.gateway.push(r.latencies.quantile(0.99));
        figures.floor.push(f.latencies.quantile(0.99));
        console.log(
          `round ${round} tick ${tick} ms: gateway p50/p99/p99.9 ${quantiles(r)} ms (${(cpu.usPerTx.gateway as number).toFixed(1)} us/tx)   ` +
            `floor ${quantiles(f)} ms   gateway codes ${JSON.stringify(r.codes)}   (${loadAverage()}; gateway phase ${pressed})`,
        );
      }
    }
    for (const [tick, figures] of p99) {
      console.log(`median p99, tick ${tick} ms: gateway ${median(figures.gateway).toFixed(2)} ms, floor ${median(figures.floor).toFixed(2)} ms (${RATE}/s)`);
    }
  } finally {
    await stop(gw.child);
    await stop(bank.child);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
