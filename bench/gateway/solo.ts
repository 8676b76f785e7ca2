/**
 * One gateway of this checkout under the benchmark's POS load, for profiling: the simulator and one `iso8583 gateway`
 * (`--no-reversal` unless `BENCH_SOLO_JOURNAL=1`), node flags for the gateway from `BENCH_SOLO_FLAGS` (space-separated,
 * e.g. `--cpu-prof --cpu-prof-dir /tmp/p` or `--heap-prof --heap-prof-dir /tmp/p`; written when the gateway stops),
 * a warm-up, then `BENCH_SOLO_ROUNDS` (default 3) phases of `BENCH_MS` (default 5000) ms, each printing its rate, p99
 * and each process's CPU per transaction, with the machine's load average.
 *
 * Run: `BENCH_SOLO_FLAGS="--cpu-prof --cpu-prof-dir /tmp/p" node bench/dist/gateway/solo.js`, then
 * `node bench/dist/gateway/profile.js /tmp/p/*.cpuprofile`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { posLoad } from './clients.js';
import { cpuLine, measureCpu } from './cpu.js';
import { startIso8583, stop } from './processes.js';
import { loadAverage, median } from './rounds.js';

const ROUNDS = Number(process.env.BENCH_SOLO_ROUNDS ?? 3);
const PHASE_MS = Number(process.env.BENCH_MS ?? 5_000);
const JOURNAL = process.env.BENCH_SOLO_JOURNAL === '1';
const FLAGS = (process.env.BENCH_SOLO_FLAGS ?? '').split(' ').filter((f) => f !== '');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-solo-'));
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/);
  const gw = await startIso8583(
    ['gateway', '--upstream', `${bank.match[1] as string}:${bank.match[2] as string}`, '--listen', '0', '--http', '0', '--log-level', 'error',
      '--max-connections', '400', '--reversal-journal', work, ...(JOURNAL ? [] : ['--no-reversal'])],
    /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/,
    FLAGS,
  );
  const host = gw.match[1] as string;
  const port = Number(gw.match[2]);
  const g: number[] = [];
  try {
    await posLoad(host, port, 100, 4, 3_000);
    for (let round = 0; round < ROUNDS; round++) {
      const end = measureCpu({ client: 'self', simulator: bank.child.pid as number, gateway: gw.child.pid as number });
      const r = await posLoad(host, port, 100, 4, PHASE_MS);
      const cpu = end(r.answers);
      g.push(cpu.usPerTx.gateway as number);
      console.log(`round ${round} ${Math.round(r.answers / r.seconds).toString().padStart(6)} tx/s   p99 ${r.latencies.quantile(0.99).toFixed(2)} ms   ${cpuLine(cpu)}   (${loadAverage()})`);
    }
    console.log(`gateway CPU per transaction, median of ${ROUNDS}: ${median(g).toFixed(1)} us`);
  } finally {
    await stop(gw.child);
    await stop(bank.child);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
