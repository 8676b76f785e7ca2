/**
 * Two gateways compared in the same run on a shared (busy) machine: a warm-up of each that is not counted, then short
 * rounds, each measuring both sides one after the other, the side that goes first alternating (ABBA), so that neither
 * gets the quieter machine. Each round gives a ratio (candidate / baseline) from two phases seconds apart; the median
 * of the ratios is the figure, since one round disturbed by another process's burst moves the median least.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { posLoad } from './clients.js';
import type { LoadResult } from './clients.js';

/** One gateway of a comparison: its name in the report and its POS address. */
export interface Side {
  name: string;
  host: string;
  port: number;
}

/** How a comparison is run. */
export interface RoundsOptions {
  /** POS connections. */
  clients: number;
  /** Requests in flight per connection. */
  depth: number;
  /** Warm-up per side, not counted, in ms. */
  warmupMs: number;
  /** One phase (one side, one round), in ms. */
  phaseMs: number;
  /** Rounds (each measures both sides). */
  rounds: number;
  /**
   * CPU to account per phase, by role (e.g. `gateway`, `postgres`): each function returns the seconds of CPU used so
   * far; a phase prints each role's microseconds per answer, and the result holds them per side. Default: none.
   */
  cpu?: (side: Side) => Record<string, () => number>;
}

/** Throughputs (transactions a second) per round and the ratio of each round. */
export interface RoundsResult {
  baseline: number[];
  candidate: number[];
  /** candidate / baseline, per round. */
  ratios: number[];
  /** The median of `ratios`. */
  medianRatio: number;
  /** With `cpu`: microseconds of CPU per answer by role, per phase, for the baseline and the candidate. */
  cpuBaseline: Record<string, number>[];
  cpuCandidate: Record<string, number>[];
}

/** The median of a list of numbers (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The machine's load average (1, 5 and 15 minutes), as printed at the start and end of a bench and after each round. */
export function loadAverage(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** The microseconds some runnable task of the machine waited for a CPU so far (Linux PSI), or undefined without it. */
function cpuStalled(): number | undefined {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring the machine's CPU pressure (Linux PSI, `/proc/pressure/cpu`): the returned function gives, since
 * the start, the share of the time in which at least one runnable task waited for a CPU (`cpu pressure 68%`; `cpu
 * pressure -` where the kernel does not report it). On a shared machine it says how contended a phase was more
 * directly than the load average: a latency tail measured at 60% is the machine's as much as the process's.
 */
export function cpuPressure(): () => string {
  const start = cpuStalled();
  const t = performance.now();
  return () => {
    const end = cpuStalled();
    if (start === undefined || end === undefined) return 'cpu pressure -';
    return `cpu pressure ${(((end - start) / 1000 / Math.max(1, performance.now() - t)) * 100).toFixed(0)}%`;
  };
}

function line(name: string, r: LoadResult, cpu: Record<string, number>): number {
  const rate = r.answers / r.seconds;
  const p = (q: number): string => r.latencies.quantile(q).toFixed(2);
  const used = Object.entries(cpu).map(([role, us]) => `   ${role} ${us.toFixed(1)} us/tx`).join('');
  console.log(`    ${name.padEnd(40)} ${String(Math.round(rate)).padStart(8)} tx/s   p50 ${p(0.5)} ms   p99 ${p(0.99)} ms   (${r.answers} answers; ${JSON.stringify(r.codes)})${used}`);
  return rate;
}

/** Runs the comparison (see the file's opening comment), printing each phase and each round's ratio. */
export async function alternatedRounds(baseline: Side, candidate: Side, o: RoundsOptions): Promise<RoundsResult> {
  const run = (s: Side, ms: number): Promise<LoadResult> => posLoad(s.host, s.port, o.clients, o.depth, ms);
  /** One measured phase: its rate, printed with the CPU per answer of each role. */
  const phase = async (s: Side, into: Record<string, number>[]): Promise<number> => {
    const roles = Object.entries(o.cpu?.(s) ?? {});
    const before = roles.map(([, read]) => read());
    const r = await run(s, o.phaseMs);
    const cpu = Object.fromEntries(roles.map(([role, read], i) => [role, r.answers > 0 ? ((read() - (before[i] as number)) * 1e6) / r.answers : Number.NaN]));
    if (roles.length > 0) into.push(cpu);
    return line(s.name, r, cpu);
  };
  await run(baseline, o.warmupMs);
  await run(candidate, o.warmupMs);
  const result: RoundsResult = { baseline: [], candidate: [], ratios: [], medianRatio: 0, cpuBaseline: [], cpuCandidate: [] };
  for (let round = 0; round < o.rounds; round++) {
    let b = 0;
    let c = 0;
    const order = round % 2 === 0 ? ['b', 'c'] : ['c', 'b'];
    for (const side of order) {
      if (side === 'b') b = await phase(baseline, result.cpuBaseline);
      else c = await phase(candidate, result.cpuCandidate);
    }
    result.baseline.push(b);
    result.candidate.push(c);
    result.ratios.push(c / b);
    console.log(`  round ${round + 1}: ${candidate.name} / ${baseline.name} = ${(c / b).toFixed(3)}   (${loadAverage()})`);
  }
  result.medianRatio = median(result.ratios);
  return result;
}
