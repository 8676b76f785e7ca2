/**
 * CPU per transaction of each process of the gateway benchmark: user + system time from `/proc/PID/stat` (fields 14
 * and 15, in clock ticks) read before and after a phase, divided by the answers of the phase. On a machine where the
 * three processes share two cores the run is CPU-bound, and these figures bound the gateway's ratio: a load client
 * costing C and a simulator costing S per transaction reach at most 2 / (C + S) transactions a second straight, and
 * with a gateway costing G in between at most 2 / (C + S + G), a ratio of (C + S) / (C + S + G).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks a second (`getconf CLK_TCK`, almost always 100). */
export const TICKS = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** Seconds of CPU (user + system) a process has used so far; `self` is this process. */
export function cpuSeconds(pid: number | 'self'): number {
  if (pid === 'self') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The processes of a phase by role (`client`, `simulator`, `gateway`). */
export type Roles = Record<string, number | 'self'>;

/** Microseconds of CPU per answer of each role over one phase, and the wall seconds of the phase. */
export interface CpuFigures {
  /** Microseconds of CPU per answer, by role. */
  usPerTx: Record<string, number>;
  /** Cores used on average over the phase, by role. */
  cores: Record<string, number>;
}

/** Starts measuring `roles`; the returned function ends the phase with its answer count. */
export function measureCpu(roles: Roles): (answers: number) => CpuFigures {
  const t0 = performance.now();
  const before = Object.fromEntries(Object.entries(roles).map(([role, pid]) => [role, cpuSeconds(pid)]));
  return (answers) => {
    const seconds = (performance.now() - t0) / 1000;
    const usPerTx: Record<string, number> = {};
    const cores: Record<string, number> = {};
    for (const [role, pid] of Object.entries(roles)) {
      const used = cpuSeconds(pid) - (before[role] as number);
      usPerTx[role] = answers > 0 ? (used * 1e6) / answers : Number.NaN;
      cores[role] = used / seconds;
    }
    return { usPerTx, cores };
  };
}

/** The figures of several phases of one path together (CPU and answers summed). */
export function combine(phases: { cpu: CpuFigures; answers: number; seconds: number }[]): CpuFigures {
  const usPerTx: Record<string, number> = {};
  const cores: Record<string, number> = {};
  const answers = phases.reduce((n, p) => n + p.answers, 0);
  const seconds = phases.reduce((n, p) => n + p.seconds, 0);
  for (const role of Object.keys(phases[0]?.cpu.usPerTx ?? {})) {
    const used = phases.reduce((n, p) => n + ((p.cpu.usPerTx[role] as number) * p.answers) / 1e6, 0);
    usPerTx[role] = (used * 1e6) / answers;
    cores[role] = used / seconds;
  }
  return { usPerTx, cores };
}

/** One line: each role's microseconds per transaction and the cores it used. */
export function cpuLine(figures: CpuFigures): string {
  return Object.entries(figures.usPerTx)
    .map(([role, us]) => `${role} ${us.toFixed(1)} us/tx (${(figures.cores[role] as number).toFixed(2)} cores)`)
    .join('   ');
}

/** The bound on the gateway's ratio a CPU-bound run implies: (C + S) / (C + S + G). */
export function cpuBound(figures: CpuFigures): number {
  const c = figures.usPerTx.client ?? Number.NaN;
  const s = figures.usPerTx.simulator ?? Number.NaN;
  const g = figures.usPerTx.gateway ?? 0;
  return (c + s) / (c + s + g);
}
