/**
 * Many one-shot `iso8583` command lines in one Node.js process, for the end-to-end tests that check what the commands
 * print (a help text, a refusal's error line) rather than how the binary starts: `runMainBatch` of @iso8583/test-support
 * (the cli package's test child runs `main`, the binary's entry point, for each in turn), the child killed if the test
 * process ends first. A process start costs about 0.3 s of CPU; a file keeps at least one real binary run
 * (helpers/cli.ts) per behaviour it is about.
 */
import { runMainBatch as runBatch } from '@iso8583/test-support';
import type { BatchResult } from '@iso8583/test-support';
import { killOnExit } from './cli.js';

export type { BatchResult } from '@iso8583/test-support';

/** Runs each of `lines` (arguments, without `iso8583`; nothing on stdin) in order in one child process; resolves with a result each, in their order. */
export function runMainBatch(lines: string[][]): Promise<BatchResult[]> {
  return runBatch(lines.map((args) => ({ args })), killOnExit);
}
