/**
 * A/B of two gateway builds in one run (what the gateway benchmark cannot do: it runs one build): the same simulator,
 * two `iso8583 gateway` processes, one from this checkout and one from another checkout's built `packages/cli`
 * (`BENCH_AB_OTHER`, a repository root), both `--no-reversal` by default (`BENCH_AB_JOURNAL=1`: each with a journal
 * of its own), loaded in alternating rounds by the same POS clients; prints each round's rate and each process's CPU
 * per transaction and its answers by response code, then the medians (and the answers other than 00, in all and per
 * round) and the median of each round's this/other ratio. CPU per transaction is the
 * figure to read on a shared machine. Each phase also prints the load average and the machine's CPU pressure over it
 * (rounds.ts `cpuPressure`: the share of the phase in which a runnable task waited for a CPU).
 *
 * Run: `BENCH_AB_OTHER=/path/to/other/checkout node bench/dist/gateway/ab.js` (BENCH_AB_ROUNDS, default 6;
 * BENCH_MS per phase, default 5000). `BENCH_AB_RATE=N`: open-loop load at N transactions a second instead of as many
 * as the gateways take (at a fixed rate, CPU per transaction is not bent by how full each read happens to be at
 * saturation, and each phase's p99 is printed: the half-peak latency of both builds side by side). `BENCH_GC_WATCH=MS`:
 * both gateways print their GC pauses and event-loop delay every MS (gateway/gc-watch.ts); `BENCH_TAIL_WATCH=MS`: and
 * where each request's time goes (gateway/tail-watch.ts). With `BENCH_AB_RATE`, each round also measures the same load
 * straight to the simulator (the floor: the client's and the simulator's own tail at that rate).
 *
 * One build under two configurations: `BENCH_AB_OTHER=.` (this checkout) with `BENCH_AB_FLAGS_THIS` /
 * `BENCH_AB_FLAGS_OTHER` (node flags of each gateway, space-separated, e.g. `--max-semi-space-size=32`) and
 * `BENCH_AB_ARGS_THIS` / `BENCH_AB_ARGS_OTHER` (more `iso8583 gateway` flags for each, e.g. `--no-reversal`).
 *
 * Under a known CPU contention: `BENCH_AB_BURN=N` runs N busy-loop processes for the whole run, each busy
 * `BENCH_AB_BURN_DUTY` of the time (default 0.5; gateway/burner.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pacedPosLoad, posLoad } from './clients.js';
import { measureCpu } from './cpu.js';
import { startBurners } from './burner.js';
import { gcWatchFlags, startIso8583, stop } from './processes.js';
import { cpuPressure, loadAverage, median } from './rounds.js';

const OTHER = process.env.BENCH_AB_OTHER;
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 6);
const PHASE_MS = Number(process.env.BENCH_MS ?? 5_000);
const JOURNAL = process.env.BENCH_AB_JOURNAL === '1';
const RATE = process.env.BENCH_AB_RATE === undefined ? undefined : Number(process.env.BENCH_AB_RATE);
const READY = /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/;
/** A space-separated list from the environment (none when unset). */
const list = (name: string): string[] => (process.env[name] ?? '').split(' ').filter((f) => f !== '');

async function main(): Promise<void> {
  if (OTHER === undefined) throw new Error('BENCH_AB_OTHER: the root of the other checkout (built)');
  const work = mkdtempSync(join(tmpdir(), 'iso8583-ab-'));
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const args = (name: string): string[] => [
    'gateway', '--upstream', `${bank.match[1] as string}:${bank.match[2] as string}`, '--listen', '0', '--http', '0', '--log-level', 'error',
    '--max-connections', '400', '--reversal-journal', join(work, name), ...(JOURNAL ? [] : ['--no-reversal']),
    ...list(name === 'this' ? 'BENCH_AB_ARGS_THIS' : 'BENCH_AB_ARGS_OTHER'),
  ];
  const gateways = {
    this: await startIso8583(args('this'), READY, [...list('BENCH_AB_FLAGS_THIS'), ...gcWatchFlags()]),
    other: await startIso8583(args('other'), READY, [...list('BENCH_AB_FLAGS_OTHER'), ...gcWatchFlags()], resolve(OTHER)),
  };
  const figures = {
    this: { rate: [] as number[], g: [] as number[], p99: [] as number[], refused: [] as number[] },
    other: { rate: [] as number[], g: [] as number[], p99: [] as number[], refused: [] as number[] },
  };
  const floor: number[] = [];
  const burners = startBurners(Number(process.env.BENCH_AB_BURN ?? 0), Number(process.env.BENCH_AB_BURN_DUTY ?? 0.5));
  try {
    for (const [, gw] of Object.entries(gateways)) await posLoad(gw.match[1] as string, Number(gw.match[2]), 100, 4, 3_000);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const);
      for (const name of order) {
        const gw = gateways[name];
        const end = measureCpu({ client: 'self', simulator: bank.child.pid as number, gateway: gw.child.pid as number });
        const pressure = cpuPressure();
        const host = gw.match[1] as string;
        const port = Number(gw.match[2]);
        const r = RATE === undefined ? await posLoad(host, port, 100, 4, PHASE_MS) : await pacedPosLoad(host, port, 100, RATE, PHASE_MS);
        const cpu = end(r.answers);
        const p99 = r.latencies.quantile(0.99);
        figures[name].rate.push(r.answers / r.seconds);
        figures[name].g.push(cpu.usPerTx.gateway as number);
        figures[name].p99.push(p99);
        console.log(`round ${round} ${name.padEnd(5)} ${Math.round(r.answers / r.seconds).toString().padStart(6)} tx/s   p99 ${p99.toFixed(2)} ms   gateway ${(cpu.usPerTx.gateway as number).toFixed(1)} us/tx   client ${(cpu.usPerTx.client as number).toFixed(1)}   simulator ${(cpu.usPerTx.simulator as number).toFixed(1)}   codes ${JSON.stringify(r.codes)}   (${loadAverage()}; ${pressure()})`);
        figures[name].refused.push(r.answers - (r.codes['00'] ?? 0));
      }
      if (RATE !== undefined) {
        const pressure = cpuPressure();
        const r = await pacedPosLoad(bank.match[1] as string, Number(bank.match[2]), 100, RATE, PHASE_MS);
        floor.push(r.latencies.quantile(0.99));
        console.log(`round ${round} floor ${Math.round(r.answers / r.seconds).toString().padStart(6)} tx/s   p99 ${r.latencies.quantile(0.99).toFixed(2)} ms   (the simulator directly; ${loadAverage()}; ${pressure()})`);
      }
    }
    if (RATE !== undefined) console.log(`median floor p99 ${median(floor).toFixed(2)} ms`);
    for (const name of ['this', 'other'] as const) {
      const f = figures[name];
      console.log(`median ${name.padEnd(5)} ${Math.round(median(f.rate)).toString().padStart(6)} tx/s   p99 ${median(f.p99).toFixed(2)} ms   gateway ${median(f.g).toFixed(1)} us/tx   answers other than 00: ${f.refused.reduce((a, b) => a + b, 0)} in all (${f.refused.join(' ')})`);
    }
    console.log(`this / other: rate ${(median(figures.this.rate) / median(figures.other.rate)).toFixed(2)}x   gateway CPU per tx ${(median(figures.this.g) / median(figures.other.g)).toFixed(2)}x`);
    // Each round's two phases ran back to back: their ratio is the least disturbed by the machine's other load.
    const paired = figures.this.g.map((g, i) => g / (figures.other.g[i] as number));
    console.log(`gateway CPU per tx, this / other, round by round: ${paired.map((r) => r.toFixed(2)).join(' ')}; median ${median(paired).toFixed(2)}x`);
  } finally {
    for (const b of burners) await stop(b);
    await stop(gateways.this.child);
    await stop(gateways.other.child);
    await stop(bank.child);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
