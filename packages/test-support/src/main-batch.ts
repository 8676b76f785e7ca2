/**
 * Many one-shot `iso8583` command lines in one Node.js process, for the tests that check what the commands print (a
 * help text, a refusal's error line) rather than how the binary starts: the cli package's test child
 * (packages/cli/test/helpers/main-batch-child.ts) runs `main`, the binary's entry point, for each line in turn, with
 * its stdout, stderr and exit code kept apart. A process start costs about 0.3 s of CPU; a test file keeps at least one
 * real binary run per behaviour it is about. The lines, the child's wire format and the outcomes have their one home
 * here, for the child, the cli package's tests and the end-to-end tests (test/).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './vectors.js';

/** One command line: its arguments (without `iso8583`) and what is on its stdin (default: nothing). */
export interface BatchLine {
  args: string[];
  input?: string | Buffer;
}

/** One command line as the child reads it: its arguments (without `iso8583`) and its stdin bytes in base64 (default: none). */
export interface BatchWireLine {
  args: string[];
  input64?: string;
}

/** How one command line ended. */
export interface BatchOutcome {
  /** What `main` resolved with. */
  code: number;
  stdout: string;
  stderr: string;
}

/** How one command line ended: its exit code and what it wrote to stdout and stderr, with the line. */
export interface BatchResult extends BatchLine, BatchOutcome {}

/** The child script (the cli package's test helper), compiled. */
export const MAIN_BATCH_CHILD = join(repoRoot(), 'packages', 'cli', 'dist', 'test', 'helpers', 'main-batch-child.js');

/** Who runs a batch and where: the child's user and group ids and working folder (default: this process's). */
export interface BatchAs {
  uid?: number;
  gid?: number;
  cwd?: string;
}

/**
 * Runs `lines` in order in one child process; resolves with a result each, in their order. `spawned` (default: none)
 * is given the child as soon as it started (to kill it if the test process ends first, say). `as` (default: this
 * process's user and folder) runs the whole batch as another user (a permission test's lines, one process per user).
 */
export function runMainBatch(lines: BatchLine[], spawned?: (child: ChildProcess) => void, as: BatchAs = {}): Promise<BatchResult[]> {
  const proc = spawn(process.execPath, [MAIN_BATCH_CHILD], { stdio: ['pipe', 'pipe', 'pipe'], ...as });
  spawned?.(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const wire: BatchWireLine[] = lines.map((l) => (l.input === undefined ? { args: l.args } : { args: l.args, input64: Buffer.from(l.input).toString('base64') }));
  proc.stdin.end(JSON.stringify(wire));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the batch of ${lines.length} command lines failed (${String(code)}): ${err.slice(-2000)}`));
      const outcomes = JSON.parse(out) as BatchOutcome[];
      resolve(lines.map((line, i) => ({ ...line, ...(outcomes[i] as BatchOutcome) })));
    });
  });
}
