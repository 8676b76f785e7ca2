/**
 * CPU contention made on purpose, for A/B runs under a known load (ab.ts, `BENCH_AB_BURN`): child processes, each a
 * busy loop at a fixed duty cycle (busy `duty` of every {@link BURN_PERIOD_MS} ms, on a fixed schedule, then idle),
 * so that the gateways compete for the CPU as on a machine shared with other work, the same way in every round and
 * on both sides. The machine's own load adds to it: read each phase's CPU pressure (ab.ts prints it).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** The burners' period (ms): busy `duty` x this, then idle until the next period begins. */
export const BURN_PERIOD_MS = 100;

/**
 * Starts `count` burners at `duty` (0 < duty <= 1; 1: always busy); none when `count` is 0. Stop them with
 * processes.ts's `stop`.
 */
export function startBurners(count: number, duty: number): ChildProcess[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`BENCH_AB_BURN: a count of processes (${String(count)})`);
  if (!(duty > 0 && duty <= 1)) throw new Error(`BENCH_AB_BURN_DUTY: a share of the time, over 0 and at most 1 (${String(duty)})`);
  const busy = BURN_PERIOD_MS * duty;
  const code = `const t0 = performance.now(); let k = 0;
const tick = () => {
  const start = t0 + k * ${BURN_PERIOD_MS};
  while (performance.now() < start + ${busy}) {}
  k = Math.max(k + 1, Math.ceil((performance.now() - t0) / ${BURN_PERIOD_MS}));
  setTimeout(tick, Math.max(0, t0 + k * ${BURN_PERIOD_MS} - performance.now()));
};
tick();`;
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
}
