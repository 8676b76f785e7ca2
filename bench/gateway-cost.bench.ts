/**
 * Gateway cost guard: what the gateway process spends per transaction, against a baseline pinned in the repository
 * (`bench/gateway-cost.baseline.json`: the figures, the machine and the commit measured). The gateway's CPU per
 * transaction once doubled in a few days without anyone seeing it; this benchmark fails when either figure is worse
 * than its baseline by more than its margin:
 *
 * - CPU per transaction: user + system time of the gateway process (every thread) from /proc, per answer
 *   (gateway/cpu.ts);
 * - bytes promoted to old space per transaction: what the gateway's scavenges moved to the old generation
 *   (gateway/promotion.ts, loaded into the gateway), per answer.
 *
 * The load is open-loop at a fixed rate (BENCH_COST_RATE, default 2,000 purchases a second from 100 POS terminals, the
 * gateway's reversal journal on, as users run it): at a fixed rate the CPU per transaction is not bent by how full
 * each read happens to be at saturation. A warm-up, then BENCH_COST_PHASES (5) phases of BENCH_MS (5,000) ms; each
 * figure is the median of the phases. Each figure is printed beside its baseline with its ratio, its limit and
 * `met` / `NOT met`; the exit code is 1 when one is not met.
 *
 * Re-pin (after a change that is meant to cost more, or on another machine): `npm run build && BENCH_PIN=1 node
 * bench/dist/gateway-cost.bench.js` writes the run's figures, this machine's facts and the commit to the baseline
 * file (commit it). The margins are kept from the file (bench/README.md says how they were chosen).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pacedPosLoad } from './gateway/clients.js';
import { measureCpu } from './gateway/cpu.js';
import { BASELINE_PATH, commitOf, machineDifferences, machineFacts, readBaseline, verdicts, writeBaseline } from './gateway/cost-guard.js';
import type { CostBaseline, CostFigures } from './gateway/cost-guard.js';
import { PROMOTION_LINE } from './gateway/promotion.js';
import { startIso8583, stop } from './gateway/processes.js';
import type { Started } from './gateway/processes.js';
import { repoRoot } from '@iso8583/test-support';
import { cpuPressure, loadAverage, median } from './gateway/rounds.js';

const RATE = Number(process.env.BENCH_COST_RATE ?? 2_000);
const CLIENTS = 100;
const PHASES = Number(process.env.BENCH_COST_PHASES ?? 5);
const PHASE_MS = Number(process.env.BENCH_MS ?? 5_000);
const PIN = process.env.BENCH_PIN === '1';
/** The checkout whose build runs (`BENCH_COST_ROOT`, default this one): another checkout's compares commits under this benchmark. */
const ROOT = process.env.BENCH_COST_ROOT ?? repoRoot();

/** Asks the gateway for its promoted bytes so far (SIGUSR2, gateway/promotion.ts) and waits for its answer. */
function promoted(gw: Started): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('the gateway did not report its promoted bytes within 10 s')), 10_000);
    const onData = (chunk: string): void => {
      buffered += chunk;
      const m = PROMOTION_LINE.exec(buffered);
      if (m === null) return;
      clearTimeout(timer);
      gw.child.stdout?.off('data', onData);
      resolve(Number(m[3]));
    };
    gw.child.stdout?.on('data', onData);
    gw.child.kill('SIGUSR2');
  });
}

async function main(): Promise<void> {
  if (PIN && ROOT !== repoRoot()) throw new Error('BENCH_PIN pins this checkout\'s figures: run it without BENCH_COST_ROOT');
  const work = mkdtempSync(join(tmpdir(), 'iso8583-cost-'));
  const bank = await startIso8583(['simulate-host', '--port', '0', '--log-level', 'error', '--balance', '999999999999'], /listening on (\S+):(\d+)/, [], ROOT);
  process.env.BENCH_PROMOTION = '1';
  const gw = await startIso8583(
    ['gateway', '--upstream', `${bank.match[1] as string}:${bank.match[2] as string}`, '--listen', '0', '--http', '0', '--log-level', 'error',
      '--reversal-journal', join(work, 'journal'), '--max-connections', String(CLIENTS * 2)],
    /gateway listening pos=(\S+):(\d+) http=(\S+):(\d+)/,
    ['--import', fileURLToPath(new URL('./gateway/promotion.js', import.meta.url))],
    ROOT,
  );
  delete process.env.BENCH_PROMOTION;
  const host = gw.match[1] as string;
  const port = Number(gw.match[2]);
  const cpu: number[] = [];
  const bytes: number[] = [];
  let refused = 0;
  try {
    await pacedPosLoad(host, port, CLIENTS, RATE, 3_000);
    for (let phase = 0; phase < PHASES; phase++) {
      const before = await promoted(gw);
      const pressure = cpuPressure();
      const end = measureCpu({ gateway: gw.child.pid as number });
      const r = await pacedPosLoad(host, port, CLIENTS, RATE, PHASE_MS);
      const used = end(r.answers);
      const b = ((await promoted(gw)) - before) / r.answers;
      cpu.push(used.usPerTx.gateway as number);
      bytes.push(b);
      refused += r.answers - (r.codes['00'] ?? 0);
      console.log(`phase ${phase}: ${Math.round(r.answers / r.seconds)} tx/s   gateway ${(used.usPerTx.gateway as number).toFixed(1)} us/tx   promoted ${b.toFixed(0)} B/tx   (${loadAverage()}; ${pressure()})`);
    }
  } finally {
    await stop(gw.child);
    await stop(bank.child);
    rmSync(work, { recursive: true, force: true });
  }
  const run: CostFigures = { cpuUsPerTx: median(cpu), promotedBytesPerTx: median(bytes) };
  const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
  console.log(`gateway cost at ${RATE}/s: CPU ${run.cpuUsPerTx.toFixed(1)} us/tx (phases ${spread(cpu)}), promoted ${run.promotedBytesPerTx.toFixed(0)} B/tx (phases ${spread(bytes)}); answers other than 00: ${refused}`);
  if (refused > 0) {
    console.log(`NOT met: ${refused} purchases were not approved (the figures are of another path)`);
    process.exitCode = 1;
  }
  if (PIN) {
    let kept: Pick<CostBaseline, 'margins' | 'noise'> = { margins: { cpuUsPerTx: 0.25, promotedBytesPerTx: 0.5 }, noise: 'not measured yet' };
    try {
      const old = readBaseline();
      kept = { margins: old.margins, noise: old.noise };
    } catch {
      // No baseline yet: the default margins.
    }
    writeBaseline({
      commit: commitOf(), measuredAt: new Date().toISOString(), machine: machineFacts(),
      load: { rate: RATE, clients: CLIENTS, phases: PHASES, phaseMs: PHASE_MS, journal: true }, figures: run, ...kept,
    });
    console.log(`pinned to ${BASELINE_PATH}`);
    return;
  }
  const baseline = readBaseline();
  const differences = machineDifferences(baseline.machine);
  if (differences.length > 0) console.log(`the baseline was measured on another machine (${differences.join(', ')}): re-pin here (BENCH_PIN=1) before reading these verdicts`);
  console.log(`baseline: commit ${baseline.commit}, ${baseline.measuredAt}, at ${baseline.load.rate}/s`);
  for (const v of verdicts(run, baseline)) {
    console.log(`${v.name}: ${v.value.toFixed(1)} vs baseline ${v.baseline.toFixed(1)} = ${v.ratio.toFixed(2)}x (limit ${v.limit.toFixed(2)}x) ${v.met ? 'met' : 'NOT met'}`);
    if (!v.met) process.exitCode = 1;
  }
}

await main();
