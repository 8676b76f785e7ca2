/**
 * `iso8583` start-up benchmark: the wall time and the CPU time (user + system, the child's own, read at its exit) of
 * the real command, median of BENCH_ROUNDS runs each: `--version` (Node and the dispatcher alone: the floor),
 * `gateway --help` and `run --help` (the flag tables only: no server code, no schema compile), `decode` and `encode`
 * (the codec), `send` (the connector, to a host simulator started here), and the starts of `simulate-host`, `gateway`
 * and `run FLOW.json` up to their ready line (the CPU read as the line is read; then stopped with SIGTERM). The CPU is
 * read from outside the child, from /proc (Linux): a preload in the child would make bin/iso8583.js load dist/src, not
 * the build's bundle it loads otherwise (`ISO8583_NO_BUNDLE=1` in the environment times dist/src, for a comparison). The test
 * suite starts the command hundreds of times and an operator on every command: the help's and the server starts'
 * targets are printed with `met` / `NOT met`, and the exit code is 1 when one is missed.
 * Run: `npx tsc -b bench && node bench/dist/cli-startup.bench.js`.
 * Environment: BENCH_ROUNDS (5); BENCH_ISO8583_BIN, the `iso8583` script timed (default this checkout's: another
 * checkout's, for a before/after in one session); ISO8583_NO_BUNDLE=1 (passed on to the command: dist/src, not the bundle).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BIN = process.env.BENCH_ISO8583_BIN ?? join(repoRoot(), 'packages', 'cli', 'bin', 'iso8583.js');
/** Milliseconds of CPU a command that only prints its flags may take (the brief's figure for `gateway --help`). */
const HELP_TARGET_CPU = 400;
/**
 * Milliseconds of CPU a gateway or a flow may take from its spawn to its ready line. Before startup25 a gateway took
 * about 1,200 on this machine (note s39), about 250 of them ajv loaded and the options schemas compiled at every start;
 * with those checks generated at build time what is left is Node and the modules a server runs (fastify, pino,
 * prom-client with the OpenTelemetry API, the codec, connector and inbound endpoint: about 650 files at about 1 ms of
 * CPU each). The target holds the compile out: it is missed if a start compiles the options schemas again.
 */
const SERVER_TARGET_CPU = 1000;
/**
 * Milliseconds of CPU a gateway start's option checks may take in all (its flags parsed, then its connector's and its
 * endpoint's options, in a process that has loaded their packages): with ajv loaded and the schemas compiled at the
 * start they took about 200 (startup25's measure), with the checks generated at build time about 30. The start's whole
 * CPU above varies by a few hundred ms on the shared machine; this part of it does not, and is what the change cut.
 */
const CHECKS_TARGET_CPU = 60;
/** A network management request (an echo test): no card data. */
const ECHO = '{"0":"0800","7":"1203123456","11":"123456","41":"00992468","70":"301"}';
/** The same echo test's wire image (iso87ascii), for `decode`. */
const ECHO_HEX = '303830303832323030303030303038303030303030343030303030303030303030303030313230333132333435363132333435363030393932343638333031';

const dir = mkdtempSync(join(tmpdir(), 'iso8583-bench-startup-'));
/** Clock ticks a second of the CPU times in /proc/PID/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds from /proc/PID/stat (its text after the command's closing parenthesis): utime + stime (fields 14 and
 * 15), the process's own, or cutime + cstime (16 and 17), its children's it has waited for.
 */
function statCpu(stat: string, children = false): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = children ? 13 : 11;
  return ((Number(fields[at]) + Number(fields[at + 1])) * 1000) / TICKS_PER_SECOND;
}

/**
 * A one-shot command is started by a shell that waits for it, then writes its own /proc stat to fd 3: its children's
 * CPU (the command's, whole: Node reaps its child at once, so its own stat is gone by then).
 */
const SHELL = '"$0" "$@"; s=$?; cat /proc/$$/stat >&3; exit $s';

interface Run {
  /** Milliseconds from the spawn to the ready line (a server) or the exit (a one-shot command). */
  wall: number;
  /** The child's CPU milliseconds, start to exit (a server: to its ready line). */
  cpu: number;
  stdout: string;
}

/** Runs `iso8583 ...args` once; a server (`ready` given) is stopped with SIGTERM once it prints `ready`. */
function runOnce(args: string[], input: string, ready?: string): Promise<Run> {
  const start = performance.now();
  const node = [process.execPath, BIN, ...args];
  // A server: node itself, its CPU read from /proc as its ready line is read. A one-shot command: under the shell above.
  const child: ChildProcess =
    ready === undefined
      ? spawn('sh', ['-c', SHELL, ...node], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
      : spawn(node[0] as string, node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let wall: number | undefined;
  let cpu: number | undefined;
  let shellStat = '';
  child.stdio[3]?.on('data', (b: Buffer) => (shellStat += b.toString('utf8')));
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
    if (ready !== undefined && wall === undefined && stdout.includes(ready)) {
      wall = performance.now() - start;
      cpu = statCpu(readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8'));
      child.kill('SIGTERM');
    }
  });
  child.stderr?.resume();
  child.stdin?.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (ready === undefined && code !== 0) reject(new Error(`iso8583 ${args.join(' ')} exited with ${String(code)}`));
      else if (ready !== undefined && wall === undefined) reject(new Error(`iso8583 ${args.join(' ')} ended before "${ready}"`));
      else resolve({ wall: wall ?? performance.now() - start, cpu: cpu ?? statCpu(shellStat, true), stdout });
    });
  });
}

/** The `iso8583` checkout BIN belongs to (its packages' compiled code is timed for the checks). */
const checkout = join(BIN, '..', '..', '..', '..');

/** A child's script: loads the packages, then times a gateway's flags parse and its connector's and endpoint's checks. */
const checksScript = `import { pathToFileURL } from 'node:url';
const at = (path) => pathToFileURL(${JSON.stringify(checkout)} + path).href;
const { validateConnectorOptions } = await import(at('/packages/connector/dist/src/index.js'));
const { validateInboundOptions } = await import(at('/packages/inbound/dist/src/index.js'));
const { parseGatewayArgs } = await import(at('/packages/cli/dist/src/index.js'));
const start = process.cpuUsage();
parseGatewayArgs(['--upstream', '127.0.0.1:1', '--listen', '0', '--http', '0', '--reversal-journal', ${JSON.stringify(dir)}]);
validateConnectorOptions({ host: '127.0.0.1', port: 1 });
validateInboundOptions({ port: 0, sequence: async () => ({}) });
const used = process.cpuUsage(start);
process.stdout.write(String((used.user + used.system) / 1000));
`;

/** The CPU milliseconds of a gateway start's option checks (checksScript in a child of its own). */
function checksOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', checksScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`the checks' child exited with ${String(code)}`))));
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1] as number;

/** Runs a command ROUNDS times and prints its medians; returns the median CPU. */
async function measure(name: string, make: () => { args: string[]; input?: string; ready?: string; done?: () => void }): Promise<number> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { args, input = '', ready, done } = make();
    try {
      const run = await runOnce(args, input, ready);
      walls.push(run.wall);
      cpus.push(run.cpu);
    } finally {
      done?.();
    }
  }
  const cpu = median(cpus);
  console.log(`${name.padEnd(22)} wall ${median(walls).toFixed(0).padStart(5)} ms   cpu ${cpu.toFixed(0).padStart(5)} ms`);
  return cpu;
}

/** A fresh journal folder for each gateway start (a start takes over no lock and replays nothing). */
function journalDir(): { dir: string; done: () => void } {
  const journal = mkdtempSync(join(dir, 'journal-'));
  return { dir: journal, done: () => rmSync(journal, { recursive: true, force: true }) };
}

const host = spawn(process.execPath, [BIN, 'simulate-host', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    host.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const m = /listening on .*:(\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    host.on('close', () => reject(new Error('the host simulator ended before listening')));
  });
  const flow = join(dir, 'flow.json');
  writeFileSync(flow, JSON.stringify({ name: 'bench', inboundEndpoints: { host: { port: 0, sequence: 'host-simulator' } } }));
  console.log(`iso8583 start-up (${process.env.ISO8583_NO_BUNDLE === '1' ? 'dist/src' : 'the bundle when current'}), median of ${ROUNDS} runs each (CPU: the child's user + system, start to exit)`);
  const floor = await measure('--version', () => ({ args: ['--version'] }));
  const helps = [await measure('gateway --help', () => ({ args: ['gateway', '--help'] })), await measure('run --help', () => ({ args: ['run', '--help'] }))];
  await measure('decode HEX', () => ({ args: ['decode', ECHO_HEX] }));
  await measure('encode', () => ({ args: ['encode'], input: ECHO }));
  await measure('send', () => ({ args: ['send', '--port', port], input: ECHO }));
  await measure('simulate-host start', () => ({ args: ['simulate-host', '--port', '0'], ready: 'listening on' }));
  const servers = [
    await measure('gateway start', () => {
      const journal = journalDir();
      return { args: ['gateway', '--upstream', `127.0.0.1:${port}`, '--listen', '0', '--http', '0', '--reversal-journal', journal.dir], ready: 'gateway listening', done: journal.done };
    }),
    await measure('run FLOW.json start', () => ({ args: ['run', flow], ready: 'flow bench ready' })),
  ];
  const checkRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) checkRuns.push(await checksOnce());
  const checks = median(checkRuns);
  console.log(`${'gateway option checks'.padEnd(22)} cpu ${checks.toFixed(1).padStart(5)} ms (flags, connector and endpoint options, packages loaded)`);
  const worst = Math.max(...helps);
  const helpMet = worst < HELP_TARGET_CPU;
  console.log(`gateway --help and run --help: at most ${worst.toFixed(0)} ms of CPU (--version: ${floor.toFixed(0)} ms), target under ${HELP_TARGET_CPU} ms: ${helpMet ? 'met' : 'NOT met'}`);
  const slowest = Math.max(...servers);
  const serverMet = slowest < SERVER_TARGET_CPU;
  console.log(`gateway and run FLOW.json starts: at most ${slowest.toFixed(0)} ms of CPU to the ready line, target under ${SERVER_TARGET_CPU} ms: ${serverMet ? 'met' : 'NOT met'}`);
  const checksMet = checks < CHECKS_TARGET_CPU;
  console.log(`a gateway start's option checks: ${checks.toFixed(1)} ms of CPU, target under ${CHECKS_TARGET_CPU} ms: ${checksMet ? 'met' : 'NOT met'}`);
  if (!helpMet || !serverMet || !checksMet) process.exitCode = 1;
} finally {
  host.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
