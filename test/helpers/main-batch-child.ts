/**
 * The child process of {@link runMainBatch} (main-batch.ts): reads a JSON list of command lines on stdin, runs the
 * `iso8583` entry point (`main`, as bin/iso8583.js runs it) for each in turn with its own stdin text, and prints one
 * JSON list of results (exit code, what it wrote to stdout and to stderr) as its only output.
 */
import { writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { main } from '@iso8583/cli';
import type { BatchLine, BatchResult } from './main-batch.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const lines = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BatchLine[];

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

const results: BatchResult[] = [];
for (const line of lines) {
  const out = [''];
  const err = [''];
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(line.input ?? '')]), configurable: true, enumerable: true });
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
  results.push({ args: line.args, code, stdout: out[0] as string, stderr: err[0] as string });
}
writeSync(1, JSON.stringify(results));
process.exit(0);
