// The CPU one start of the `iso8583` binary costs (user + system, of the child process), for the commands the tests
// start most: a one-shot command to its end, a server to its listening line. Run after `npm run build`:
//   node scripts/start-cost.mjs [runs=8]
// Prints, per command, the mean CPU and wall time of `runs` starts. A gauge for the suite's time (each test that
// starts the binary pays it), not a test: the figures depend on the machine and its load.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages', 'cli', 'bin', 'iso8583.js');
const runs = Number(process.argv[2] ?? 8);

/** A TCP port that accepts and holds connections (the bank a gateway dials); closed at the end. */
const bank = createServer((socket) => socket.on('error', () => undefined));
await new Promise((resolve) => bank.listen(0, '127.0.0.1', resolve));
const bankPort = bank.address().port;
const dir = mkdtempSync(join(tmpdir(), 'start-cost-'));

/**
 * Starts `node bin ...args` and resolves with its CPU (ms) and wall time (ms): at its end, or (given `ready`) once its
 * stdout matched `ready`, then it is stopped with SIGTERM and its CPU is what it had used when it became ready.
 */
function once(args, ready, input) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // The child's own CPU: read by the child when it is ready (a preload writes process.cpuUsage() to fd 3 on exit or SIGUSR2).
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`, bin, ...args], {
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
    });
    let out = '';
    let cpu = '';
    let wall;
    child.stdio[3].on('data', (b) => (cpu += b));
    child.stdout.on('data', (b) => {
      out += b;
      if (ready !== undefined && wall === undefined && ready.test(out)) {
        wall = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGUSR2');
      }
    });
    child.stdin.end(input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      if (wall === undefined) wall = Number(process.hrtime.bigint() - started) / 1e6;
      const ms = Number(cpu.trim().split('\n')[0]);
      if (!Number.isFinite(ms)) reject(new Error(`${args.join(' ')}: no CPU figure (exit ${code}): ${out}`));
      else resolve({ cpu: ms, wall });
    });
  });
}

// Reports the CPU the process used so far (user + system, ms) on fd 3: on SIGUSR2 (then exits) or at its exit.
const PRELOAD = `import { writeSync } from 'node:fs';
const report = () => { const u = process.cpuUsage(); try { writeSync(3, String((u.user + u.system) / 1000) + '\\n'); } catch {} };
process.on('SIGUSR2', () => { report(); process.exit(0); });
process.on('exit', report);`;

/** An 0800 (iso87ascii) in hex: `iso8583 encode` of {"0":"0800","7":"1207112233","11":"000001","70":"301"}. */
const DECODE = '30383030383232303030303030303030303030303034303030303030303030303030303031323037313132323333303030303031333031';
const commands = [
  ['--version', ['--version']],
  ['decode (hex on stdin)', ['decode', '--input', 'hex'], undefined, DECODE],
  ['gateway --help', ['gateway', '--help']],
  ['simulate-host to listening', ['simulate-host', '--port', '0', '--bind', '127.0.0.1'], /listening on /],
  ['gateway to listening', ['gateway', '--upstream', `127.0.0.1:${bankPort}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent'], /listening pos=/],
  ['gateway --no-http to listening', ['gateway', '--upstream', `127.0.0.1:${bankPort}`, '--listen', '0', '--bind', '127.0.0.1', '--no-http',
    '--no-transaction-log', '--reversal-journal', join(dir, 'journal2'), '--log-level', 'silent'], /listening pos=/],
];
const only = process.env.START_COST_ONLY;
try {
  for (const [name, args, ready, input] of commands) {
    if (only !== undefined && !name.includes(only)) continue;
    let cpu = 0;
    let wall = 0;
    for (let i = 0; i < runs; i++) {
      const r = await once(args, ready, input);
      cpu += r.cpu;
      wall += r.wall;
    }
    console.log(`${name.padEnd(32)} cpu ${(cpu / runs).toFixed(0).padStart(5)} ms  wall ${(wall / runs).toFixed(0).padStart(5)} ms  (${runs} runs)`);
  }
} finally {
  bank.close();
  rmSync(dir, { recursive: true, force: true });
}
