/**
 * The command lines of a cli test file run in one child process (main-batch-child.ts: `main` for each in turn; the
 * lines, their wire format and `runMainBatch` in @iso8583/test-support): a process start costs about 0.3 s of CPU, so a
 * test file checking what many command lines print runs them here and keeps at least one real binary run
 * (cli-process.ts) per behaviour it is about.
 */
import { runMainBatch } from '@iso8583/test-support';
import type { BatchResult } from '@iso8583/test-support';

/** What is on a declared line's stdin: bytes or text, or what resolves to them (another line's output, say). */
export type BatchInput = string | Buffer | (() => Promise<string | Buffer>);

/** A declared line's arguments (without `iso8583`), or what resolves to them (with a hex another line printed, say). */
export type BatchArgs = string[] | (() => Promise<string[]>);

/**
 * The command lines of a test file, declared as it loads (`line(args, input)` at the top level, next to its test) and
 * run in one batch when a test first asks for a result (every line is declared by then): the getter `line` returns
 * resolves with that line's result. Arguments or an input given as a function are awaited first: a second batch can
 * take what the lines of a first one printed.
 */
export function mainBatch(): { line(args: BatchArgs, input?: BatchInput): () => Promise<BatchResult> } {
  const declared: { args: BatchArgs; input?: BatchInput }[] = [];
  let run: Promise<BatchResult[]> | undefined;
  const start = async (): Promise<BatchResult[]> => {
    const lines = await Promise.all(
      declared.map(async ({ args: given, input }) => {
        const args = typeof given === 'function' ? await given() : given;
        return input === undefined ? { args } : { args, input: typeof input === 'function' ? await input() : input };
      }),
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
