/**
 * A connector child process for the crash tests: started with its arguments, its stdout read line by line, killed
 * with SIGKILL at a point it reported (or that the test host observed). Waits fail with a message at a deadline.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eventWithin } from '@iso8583/test-support';

/** A running child. */
export interface Child {
  process: ChildProcess;
  /** Every line reported so far. */
  lines: string[];
  /** Resolves with the first line (reported so far or later) that starts with `prefix`. */
  waitLine(prefix: string, deadline?: number): Promise<string>;
  /** Kills it with SIGKILL and resolves once it is gone. */
  kill(): Promise<void>;
  /** Resolves with the exit code (or signal) once it has exited on its own. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `fixtures/<name>.js` with `args` (JSON) as its argument (its stdin a pipe the test may write to); `shell` (e.g. `ulimit -f 8;`) runs first in a bash
 * that then execs node.
 */
export function startChild(name: string, args: unknown, shell?: string): Child {
  const script = fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
  const argv = [script, JSON.stringify(args)];
  const child =
    shell === undefined
      ? spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn('bash', ['-c', `${shell} exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: { prefix: string; resolve(line: string): void }[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiting]) {
      if (line.startsWith(w.prefix)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  return {
    process: child,
    lines,
    exited,
    waitLine: (prefix, deadline = 10_000) => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return eventWithin<string>(deadline, () => `the child did not report "${prefix}" within ${deadline} ms (it said: ${lines.join(' | ')})`, (resolve, reject) => {
        const w = { prefix, resolve };
        waiting.push(w);
        void exited.then((how) => {
          if (!waiting.includes(w)) return;
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error(`the child exited (${String(how)}) before it reported "${prefix}" (it said: ${lines.join(' | ')})`));
        });
      });
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
