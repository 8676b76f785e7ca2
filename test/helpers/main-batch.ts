/**
 * Many one-shot `iso8583` command lines in one Node.js process, for the end-to-end tests that check what the commands
 * print (a help text, a refusal's error line) rather than how the binary starts: the cli package's test child
 * (packages/cli/test/helpers/main-batch-child.ts, its wire format) runs `main`, the binary's entry point, for each in
 * turn, with its stdout, stderr and exit code kept apart. A process start costs about 0.3 s of CPU; a file keeps at
 * least one real binary run (helpers/cli.ts) per behaviour it is about.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { killOnExit } from './cli.js';

/** How one command line (its arguments, without `iso8583`; nothing on stdin) ended. */
export interface BatchResult {
  args: string[];
  /** What `main` resolved with. */
  code: number;
  stdout: string;
  stderr: string;
}

/** The child script, compiled. */
const CHILD = join(repoRoot(), 'packages', 'cli', 'dist', 'test', 'helpers', 'main-batch-child.js');

/** Runs each of `lines` (arguments) in order in one child process; resolves with a result each, in their order. */
export function runMainBatch(lines: string[][]): Promise<BatchResult[]> {
  const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  killOnExit(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.end(JSON.stringify(lines.map((args) => ({ args }))));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the batch of ${lines.length} command lines failed (${String(code)}): ${err.slice(-2000)}`));
      const outcomes = JSON.parse(out) as Omit<BatchResult, 'args'>[];
      resolve(lines.map((args, i) => ({ args, ...(outcomes[i] as Omit<BatchResult, 'args'>) })));
    });
  });
}
