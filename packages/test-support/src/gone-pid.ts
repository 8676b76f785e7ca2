/**
 * A process id no process has, for the tests of a lock file left by a process that is gone. A fixed number is not one:
 * where `pid_max` is 4,194,304 (systemd's default on 64-bit Linux) a pid such as 4,000,000 can belong to a live
 * process. Linux hands out pids below `kernel.pid_max`, so `pid_max` itself is never a process's, and it is still a pid
 * that `kill(pid, 0)` answers (with ESRCH) rather than refuses.
 */
import { readFileSync } from 'node:fs';

/** Where Linux keeps the bound of its pids (every pid is below it). */
const PID_MAX = '/proc/sys/kernel/pid_max';

/** macOS and the BSDs hand out pids up to 99,999 at most (PID_MAX): 99,999 + 1 is nobody's. */
const NO_PROC_BOUND = 100_000;

/** A pid no process has and none can get while the system runs: Linux's `kernel.pid_max` (100000 without /proc). */
export function goneProcessId(): number {
  let bound: number;
  try {
    bound = Number(readFileSync(PID_MAX, 'utf8').trim());
  } catch {
    return NO_PROC_BOUND;
  }
  if (!Number.isSafeInteger(bound) || bound <= 1) throw new Error(`${PID_MAX} holds no pid bound: ${bound}`);
  return bound;
}
