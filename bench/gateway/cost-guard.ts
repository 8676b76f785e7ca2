/**
 * The gateway cost guard's baseline and verdict (bench/gateway-cost.bench.ts): the figures pinned in the repository
 * (`bench/gateway-cost.baseline.json`, with the machine and the commit they were measured on) and the comparison of a
 * run with them, each figure failing when worse than its baseline by more than its margin.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

/** The figures the guard compares: each is a cost, less is better. */
export interface CostFigures {
  /** CPU (user + system, every thread) the gateway process spent per answered transaction, in microseconds. */
  cpuUsPerTx: number;
  /** Bytes the gateway's scavenges promoted to old space per answered transaction. */
  promotedBytesPerTx: number;
}

/** What a figure's value says about the machine it was measured on (a baseline holds only on a like machine). */
export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

/** The pinned baseline, as stored in `bench/gateway-cost.baseline.json`. */
export interface CostBaseline {
  /** The commit measured (`git rev-parse HEAD`, with `-dirty` when the working tree had changes). */
  commit: string;
  /** When it was measured (ISO 8601). */
  measuredAt: string;
  machine: MachineFacts;
  /** How it was measured: the load's rate, phases and phase length. */
  load: { rate: number; clients: number; phases: number; phaseMs: number; journal: boolean };
  figures: CostFigures;
  /** Each figure's margin: a run fails when its figure exceeds baseline x (1 + margin). */
  margins: CostFigures;
  /** Why these margins: the spread measured over repeated runs. */
  noise: string;
}

/** Where the baseline lives (the source tree, not `bench/dist`). */
export const BASELINE_PATH = join(repoRoot(), 'bench', 'gateway-cost.baseline.json');

/** This machine's facts. */
export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}

/** The commit of the checkout at `root`, `-dirty` when its tracked files have changes. */
export function commitOf(root: string = repoRoot()): string {
  const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  try {
    return git('rev-parse', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '-dirty');
  } catch {
    return 'unknown';
  }
}

/** Reads the pinned baseline (`path`, default {@link BASELINE_PATH}). */
export function readBaseline(path: string = BASELINE_PATH): CostBaseline {
  return JSON.parse(readFileSync(path, 'utf8')) as CostBaseline;
}

/** Writes `baseline` to `path` (default {@link BASELINE_PATH}), two-space indented. */
export function writeBaseline(baseline: CostBaseline, path: string = BASELINE_PATH): void {
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** One figure of a run against its baseline. */
export interface FigureVerdict {
  name: keyof CostFigures;
  value: number;
  baseline: number;
  /** value / baseline. */
  ratio: number;
  /** The highest ratio that passes: 1 + margin. */
  limit: number;
  met: boolean;
}

/** Each figure of `run` against `baseline`: met when at most baseline x (1 + margin). */
export function verdicts(run: CostFigures, baseline: CostBaseline): FigureVerdict[] {
  return (Object.keys(baseline.figures) as (keyof CostFigures)[]).map((name) => {
    const ratio = run[name] / baseline.figures[name];
    const limit = 1 + baseline.margins[name];
    return { name, value: run[name], baseline: baseline.figures[name], ratio, limit, met: Number.isFinite(ratio) && ratio <= limit };
  });
}

/** The facts of `machine` that differ from this one's (the figures of another machine hold there, not here). */
export function machineDifferences(machine: MachineFacts, here: MachineFacts = machineFacts()): string[] {
  return (Object.keys(machine) as (keyof MachineFacts)[]).filter((k) => machine[k] !== here[k]).map((k) => `${k} ${String(machine[k])} (here ${String(here[k])})`);
}
