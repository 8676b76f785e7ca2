// Runs scripts/test.mjs's group modules, each under a `node --test` of its own (TAP), in the order
// given, two at a time, and a third while the machine has more than 0.6 of a core idle.
//
// Most of the suite waits (on a gateway's start, a lease, a deadline, a PostgreSQL cluster) rather than computes: with
// two groups at once, a whole run kept about two thirds of two cores busy. A third group fills that idle time; but
// always three would saturate the machine when two CPU-heavy groups (a browser, a flood of spawned commands) meet, and
// the suite must stay deterministic on a busy machine: so the third starts only when the last two seconds of
// /proc/stat had more than IDLE_CORES of a core idle (never where there is no /proc/stat), and not within a few seconds
// of the last start (a starting process's CPU shows late). The idle is the machine's, so other work on it counts too.
//
// A group's output (TAP) is kept and written whole when it ends, so that groups running together do not interleave;
// the run ends with the sum of the groups' counts, the groups that failed, and each failure again with its error and the
// last lines the group wrote to stderr (what a CI shows of a long run is its tail).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tapFailures } from './tap-failures.mjs';

/** Groups always allowed at once (what `--test-concurrency=2` ran). */
export const BASE_SLOTS = 2;
/**
 * Most groups at once: the third only while the machine has idle CPU (see above). It was held back to 2 after a
 * fresh-clone run failed twice with it (pg-batch-token-unblock, fixed since; console-send-once, whose click could land
 * where the Send button had been before the page's first figures moved it: the console tests now click once the page
 * settled). Set to 3 again on 2026-12-06, a fresh-clone run with it took as long as with 2 (877 s against 883 s: a core
 * is rarely idle for two seconds on a 2-core machine) and failed a race a test left (pg-read-only-later: fixed), so it
 * is 2 again until a machine with more cores shows a gain. Set to 3 again on 2026-12-07 with {@link IDLE_CORES} 0.6
 * (was 1): the files of connector/pg-* (PostgreSQL: they mostly wait) with cli/gateway-* (the binary: CPU) kept 1.39
 * of 2 cores busy two at a time (under 1 core busy 50 of 260 s) and took 262 s; with the third on 0.6 idle, 1.66
 * cores, 228 s (-13%), every test passing. A core was rarely idle for two seconds, so the old threshold seldom let the
 * third start. Tried at 4 on 2026-12-07 (same gate): the connector's files 260 -> 251 s (-3.5%, within a run's
 * noise) and, with connector/pg-* and cli/gateway-*, the (shared) machine's /proc/stat showed 0.25 of 2 cores idle on
 * average (a second with more than 0.6 idle one time in seven): the files' own CPU (the `--times` profile) leaves out
 * the PostgreSQL servers', so the suite is CPU-bound at 3 and a fourth gains nothing measurable; kept at 3.
 */
export const MAX_SLOTS = 3;
/** Milliseconds between samples of /proc/stat. */
const SAMPLE_MS = 1000;
/** Cores' worth of idle CPU each of the last {@link IDLE_SAMPLES} samples must have shown for an extra group. */
const IDLE_CORES = 0.6;
/** Samples in a row (of {@link SAMPLE_MS}) the idle must have lasted. */
const IDLE_SAMPLES = 2;
/** Milliseconds after any start before an extra group may start: what the last one started costs shows by then. */
const SETTLE_MS = 4000;
/** Lines of a failed group's stderr repeated at the end of the run. */
const STDERR_LINES = 20;
/** The summary lines of a TAP stream that are summed over the groups. */
const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

/** The machine's CPU ticks so far, idle and total; `undefined` without /proc/stat. */
function cpuTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the time no one used.
    return { idle: fields[3] + (fields[4] ?? 0), total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * Runs `modules` (paths of group modules) with `env`; `label(module)` names a group in the summary. Writes each group's
 * output whole as it ends; a group still running after `timeoutMs` is killed (SIGTERM, its own hooks stop what it
 * started) and fails. Resolves with the exit status: 0 when every group passed.
 */
export function runGroups(modules, { env, timeoutMs, label }) {
  const cores = availableParallelism();
  const queue = [...modules];
  const running = new Set();
  const failed = [];
  const digests = [];
  const totals = Object.fromEntries(COUNTS.map((c) => [c, 0]));
  const started = Date.now();
  let lastStart = 0;
  let idleStreak = 0;
  let last = cpuTicks();
  let most = 0;

  return new Promise((resolve) => {
    const sampler = setInterval(() => {
      const now = cpuTicks();
      if (now === undefined || last === undefined || now.total === last.total) return;
      const idleCores = ((now.idle - last.idle) / (now.total - last.total)) * cores;
      idleStreak = idleCores > IDLE_CORES ? idleStreak + 1 : 0;
      last = now;
      fill();
    }, SAMPLE_MS);

    const finish = () => {
      clearInterval(sampler);
      process.removeListener('SIGINT', stopAll);
      process.removeListener('SIGTERM', stopAll);
      const lines = COUNTS.map((c) => `# ${c} ${totals[c]}`);
      lines.push(`# duration_ms ${Date.now() - started}`, `# groups ${modules.length}, at most ${most} at once`);
      if (failed.length > 0) lines.push(`# failed groups: ${failed.join(', ')}`);
      process.stdout.write(`${[...digests, ...lines].join('\n')}\n`);
      resolve(failed.length > 0 ? 1 : 0);
    };

    // Ctrl-C or the CI's stop: the groups get SIGTERM, on which a test file's processes and clusters are stopped.
    const stopAll = () => {
      queue.length = 0;
      for (const child of running) child.kill('SIGTERM');
    };
    process.once('SIGINT', stopAll);
    process.once('SIGTERM', stopAll);

    const start = (module) => {
      lastStart = Date.now();
      idleStreak = 0;
      // Under `node --test`, as each group ran under node's runner before: a test file sees the same environment
      // (NODE_TEST_CONTEXT set: a `node --test` it starts runs nothing unless it removes the variable, as
      // scripts/fuzz.mjs does for test/fuzz-progress.test.ts).
      const child = spawn(process.execPath, ['--test', '--test-reporter=tap', `--test-timeout=${timeoutMs}`, module], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      most = Math.max(most, running.size);
      const out = [];
      const err = [];
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.on('data', (chunk) => err.push(chunk));
      const timer = setTimeout(() => {
        err.push(Buffer.from(`test group ${label(module)} still running after ${timeoutMs} ms: stopped\n`));
        child.kill('SIGTERM');
      }, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(child);
        const text = Buffer.concat(out).toString('utf8');
        process.stdout.write(text);
        process.stderr.write(Buffer.concat(err));
        for (const c of COUNTS) {
          const m = [...text.matchAll(new RegExp(`^# ${c} (\\d+)$`, 'gm'))].pop();
          totals[c] += m === undefined ? 0 : Number(m[1]);
        }
        if (code !== 0) {
          failed.push(`${label(module)} (${signal ?? `exit ${code}`})`);
          const errTail = Buffer.concat(err).toString('utf8').trimEnd().split('\n').filter((l) => l !== '').slice(-STDERR_LINES);
          digests.push(`# ---- failed group ${label(module)}`, ...tapFailures(text));
          if (errTail.length > 0) digests.push('# its last lines on stderr:', ...errTail.map((l) => `#   ${l}`));
        }
        if (queue.length === 0 && running.size === 0) finish();
        else fill();
      });
    };

    // Starts the next groups while there is a base slot, or an extra one the idle CPU allows.
    function fill() {
      while (queue.length > 0) {
        const extra = running.size >= BASE_SLOTS;
        if (running.size >= MAX_SLOTS) return;
        if (extra && (idleStreak < IDLE_SAMPLES || Date.now() - lastStart < SETTLE_MS)) return;
        start(queue.shift());
      }
    }

    fill();
  });
}
