/**
 * Many one-shot `iso8583` command lines in one Node.js process, for the tests that check what the commands print (a
 * help text, a refusal's error line) rather than how the binary starts: `main`, the binary's entry point, runs each in
 * turn (main-batch-child.ts) with its stdout, stderr and exit code kept apart. A process start costs about 0.3 s of
 * CPU; a file keeps at least one real binary run (helpers/cli.ts) per behaviour it is about. What a command logs
 * through its logger (pino writes to file descriptor 2 itself) is not captured: one-shot output and error lines only.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './cli.js';

/** One command line: its arguments (without `iso8583`) and the text on its stdin (default: none). */
export interface BatchLine {
  args: string[];
  input?: string;
}

/** How one command line ended. */
export interface BatchResult {
  args: string[];
  /** What `main` resolved with. */
  code: number;
  stdout: string;
  stderr: string;
}

const CHILD = fileURLToPath(new URL('./main-batch-child.js', import.meta.url));

/** Runs `lines` in order in one child process (working folder `cwd`, default this one's); resolves with a result each. */
export function runMainBatch(lines: BatchLine[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BatchResult[]> {
  const child = spawn(process.execPath, [CHILD], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  killOnExit(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.end(JSON.stringify(lines));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the batch of ${lines.length} command lines failed (${String(code)}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as BatchResult[]);
    });
  });
}
