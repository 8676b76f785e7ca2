/**
 * Runs many one-shot `iso8583` command lines in one child process (main-batch-child.ts: `main` for each in turn): a
 * process start costs about 0.3 s of CPU, so a test file checking what many command lines print runs them here and
 * keeps at least one real binary run (cli-process.ts) per behaviour it is about.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BatchLine, BatchResult } from './main-batch-child.js';

export type { BatchLine, BatchResult };

/** The child script, compiled. */
export const MAIN_BATCH_CHILD = fileURLToPath(new URL('./main-batch-child.js', import.meta.url));

/** Runs `lines` in order in one child process; resolves with a result each, in their order. */
export function runMainBatch(lines: BatchLine[]): Promise<BatchResult[]> {
  const child = spawn(process.execPath, [MAIN_BATCH_CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.end(JSON.stringify(lines));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the batch of ${lines.length} command lines failed (${String(code)}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as BatchResult[]);
    });
  });
}
