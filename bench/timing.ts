// How the micro-benchmarks time one operation: batches of calls for a given amount of this process's CPU time, so that
// other work on a busy machine does not count against the figure. One home for the codec, XML and EBCDIC benchmarks.
import { spawnSync } from 'node:child_process';

/** Results of the timed calls, kept so that the optimiser cannot drop them. */
let sink = 0;

/** CPU time of this process in milliseconds (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `fn` in batches of 200 for `ms` of CPU time and returns operations per CPU-second. */
function timed(fn: () => unknown, ms: number): number {
  let count = 0;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 200; i++) if (fn() !== undefined) sink++;
    count += 200;
    now = cpuMs();
  }
  return (count * 1000) / (now - start);
}

/** How many results were kept (printing it keeps `sink` alive). */
export function kept(): number {
  return sink;
}

/** One timed operation of a benchmark: `fn` is called, `rates` gets one figure (operations per CPU-second) a round. */
export interface TimedCase {
  fn: () => unknown;
  rates: number[];
}

/** The environment variable that makes a benchmark's process time one case alone (its index in the list). */
const CASE_VARIABLE = 'BENCH_CASE';
/** How a case's process reports its figure on its standard output. */
const RATE_LINE = 'bench-case-rate ';
/** The longest warm-up of a case, in milliseconds of CPU time. */
const WARM_UP_MS = 300;

/**
 * Times every case of `cases` for `rounds` rounds of `roundMs` of CPU time each, every case's figure independent of
 * the others: each round of each case runs in a process of its own (this benchmark's script again, told which case by
 * `BENCH_CASE`), which builds the cases as this one did, warms that case alone (up to 300 ms) and times it. In one
 * process for all the cases, one timing loop called every case's function (a call site the optimiser sees megamorphic)
 * and the code under test was optimised for whichever case ran first: the order of the warm-up moved a case's figure,
 * and the split between two cases by up to 10%. Rounds interleave the cases (round 1 of every case, then round 2),
 * so that a busy stretch of the machine lands on all of them alike. Returns in the case's process only to exit it.
 */
export function timeCases(cases: readonly TimedCase[], roundMs: number, rounds: number): void {
  const only = process.env[CASE_VARIABLE];
  if (only !== undefined) {
    const c = cases[Number(only)];
    if (c === undefined) throw new Error(`${CASE_VARIABLE}=${only}: no such case (the benchmark has ${cases.length})`);
    timed(c.fn, Math.min(WARM_UP_MS, roundMs));
    const rate = timed(c.fn, roundMs);
    process.stdout.write(`\n${RATE_LINE}${rate} ${sink}\n`);
    process.exit(0);
  }
  const script = process.argv[1];
  if (script === undefined) throw new Error('timeCases: no script to run each case in');
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const child = spawnSync(process.execPath, [...process.execArgv, script], {
        env: { ...process.env, [CASE_VARIABLE]: String(i) },
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      const line = child.stdout?.split('\n').find((l) => l.startsWith(RATE_LINE));
      if (child.status !== 0 || line === undefined) {
        throw new Error(`case ${i} of round ${r + 1} failed (exit ${child.status ?? child.signal}): ${child.stderr}`);
      }
      c.rates.push(Number(line.slice(RATE_LINE.length).split(' ')[0]));
    });
  }
}

/** The purchase without field 55, wire-form values (what every codec sends as is). Test card number only. */
export const PURCHASE: Readonly<Record<string, string>> = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '7': '1121103000',
  '11': '618160',
  '12': '103000',
  '13': '1121',
  '14': '2812',
  '18': '5999',
  '22': '051',
  '25': '00',
  '35': '4111111111111111=28121011234567890',
  '37': '000000618160',
  '41': '00992468',
  '42': '000124642124643',
  '49': '840',
};
