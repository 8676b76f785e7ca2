/**
 * Runs many one-shot `iso8583` command lines in one child process (main-batch-child.ts: `main` for each in turn): a
 * process start costs about 0.3 s of CPU, so a test file checking what many command lines print runs them here and
 * keeps at least one real binary run (cli-process.ts) per behaviour it is about.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BatchOutcome, BatchWireLine } from './main-batch-child.js';

/** One command line: its arguments (without `iso8583`) and what is on its stdin (default: nothing). */
export interface BatchLine {
  args: string[];
  input?: string | Buffer;
}

/** How one command line ended: its exit code and what it wrote to stdout and stderr. */
export interface BatchResult extends BatchLine, BatchOutcome {}

/** The child script, compiled. */
export const MAIN_BATCH_CHILD = fileURLToPath(new URL('./main-batch-child.js', import.meta.url));

/** Runs `lines` in order in one child process; resolves with a result each, in their order. */
export function runMainBatch(lines: BatchLine[]): Promise<BatchResult[]> {
  const proc = spawn(process.execPath, [MAIN_BATCH_CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
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

/** What is on a declared line's stdin: bytes or text, or what resolves to them (another line's output, say). */
export type BatchInput = string | Buffer | (() => Promise<string | Buffer>);

/**
 * The command lines of a test file, declared as it loads (`line(args, input)` at the top level, next to its test) and
 * run in one batch when a test first asks for a result (every line is declared by then): the getter `line` returns
 * resolves with that line's result. An input given as a function is awaited first: a second batch can take what the
 * lines of a first one printed.
 */
export function mainBatch(): { line(args: string[], input?: BatchInput): () => Promise<BatchResult> } {
  const declared: { args: string[]; input?: BatchInput }[] = [];
  let run: Promise<BatchResult[]> | undefined;
  const start = async (): Promise<BatchResult[]> => {
    const lines = await Promise.all(
      declared.map(async ({ args, input }) => (input === undefined ? { args } : { args, input: typeof input === 'function' ? await input() : input })),
    );
    return runMainBatch(lines);
  };
  return {
    line(args, input) {
      const i = declared.push(input === undefined ? { args } : { args, input }) - 1;
      return async () => (await (run ??= start()))[i] as BatchResult;
    },
  };
}
