/**
 * Many one-shot `iso8583` command lines in one Node.js process, for the tests that check what the commands print (a
 * help text, a refusal's error line) rather than how the binary starts (`runMainBatch` of @iso8583/test-support starts
 * it: main-batch.ts here, test/helpers/main-batch.ts for the end-to-end tests). Run as `node main-batch-child.js`:
 * reads a JSON list of {@link BatchWireLine} on stdin, runs the `iso8583` entry point (`main`, as bin/iso8583.js runs
 * it) for each in turn with its own stdin text, and prints one JSON list of {@link BatchOutcome} as its only output.
 * What a command logs through its logger (pino writes to file descriptor 2 itself) is not captured: one-shot output
 * and error lines only.
 */
import { writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { BatchOutcome, BatchWireLine } from '@iso8583/test-support';
import { main } from '../../src/main.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const lines = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BatchWireLine[];

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
/** A `write` that keeps the text in `into[0]` (and calls back as a stream would). */
function capture(into: string[]): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into[0] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback !== undefined) queueMicrotask(callback);
    return true;
  }) as typeof process.stdout.write;
}

const results: BatchOutcome[] = [];
for (const line of lines) {
  const out = [''];
  const err = [''];
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(line.input64 ?? '', 'base64')]), configurable: true, enumerable: true });
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let code: number;
  try {
    code = await main(line.args);
  } catch (e) {
    // As bin/iso8583.js reports what `main` lets through.
    err[0] += `iso8583: ${e instanceof Error ? e.message : String(e)}\n`;
    code = 1;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  results.push({ code, stdout: out[0] as string, stderr: err[0] as string });
}
writeSync(1, JSON.stringify(results));
process.exit(0);
