/**
 * Runs the real `iso8583` binary (packages/cli/bin/iso8583.js) as a child process of this Node.js, for the tests of
 * the commands: one-shot runs with stdin, and long-running servers that announce `listening on HOST:PORT`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, within } from '@iso8583/test-support';

/** The path of the command's script. */
export const BIN = join(repoRoot(), 'packages', 'cli', 'bin', 'iso8583.js');

/** What a finished run of the command gave. */
export interface CliResult {
  /** The exit code (null when killed by a signal). */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Everything written to stdout, as bytes. */
  stdoutBytes: Buffer;
  /** Everything written to stdout, as UTF-8 text. */
  stdout: string;
  /** Everything written to stderr, as UTF-8 text. */
  stderr: string;
}

function collect(child: ChildProcess): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdoutBytes, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Runs `iso8583 ...args` with `input` on stdin (nothing: stdin closed at once) and waits for it to end. */
export function runCli(args: string[], input?: string | Buffer): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = collect(child);
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input ?? '');
  return done;
}

/** A long-running command (a server) that printed `listening on HOST:PORT`. */
export interface RunningCli {
  /** The child process. */
  child: ChildProcess;
  /** The host of the `listening on` line. */
  host: string;
  /** The port of the `listening on` line. */
  port: number;
  /** Resolves when the process ends, with everything it wrote. */
  done: Promise<CliResult>;
  /** Sends SIGTERM (once) and waits for the end. */
  stop(): Promise<CliResult>;
}

/** Starts `iso8583 ...args` and resolves once it prints `listening on HOST:PORT` (rejects if it ends before). */
export function startCli(args: string[]): Promise<RunningCli> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = collect(child);
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (b: Buffer): void => {
      text += b.toString('utf8');
      const m = /listening on (\S+):(\d+)\n/.exec(text);
      if (m === null) return;
      child.stdout?.off('data', onData);
      const host = (m[1] as string).replace(/^\[|\]$/g, '');
      let stopping: Promise<CliResult> | undefined;
      resolve({
        child,
        host,
        port: Number(m[2]),
        done,
        stop: () => {
          if (stopping === undefined) {
            child.kill('SIGTERM');
            stopping = done;
          }
          return stopping;
        },
      });
    };
    child.stdout?.on('data', onData);
    done.then(
      (r) => reject(new Error(`the command ended before listening (exit ${r.code}): ${r.stderr}`)),
      reject,
    );
  });
}

/** Resolves with the first match of `pattern` in what `stream` writes (its text so far), or rejects when it ends. */
export function seen(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (b: Buffer): void => {
      text += b.toString('utf8');
      const m = pattern.exec(text);
      if (m === null) return;
      stream.off('data', onData);
      resolve(m);
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`ended before ${String(pattern)}: ${text}`)));
  });
}

/**
 * Runs `source` as an ES module in a child Node.js (`node --input-type=module -e source ...args`), stdout and stderr
 * piped, stdin piped when `stdin` is 'pipe' (default 'ignore'); killed (SIGKILL) after the test.
 */
export function runModule(t: { after(fn: () => void): void }, source: string, args: string[] = [], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

/** A child process's output so far, and its end (see {@link watchChild}). */
export interface WatchedChild {
  /** What it wrote to stdout so far, as UTF-8 text ('' when its stdout is not piped). */
  readonly stdout: string;
  /** What it wrote to stderr so far, as UTF-8 text ('' when its stderr is not piped). */
  readonly stderr: string;
  /** Resolves with its exit code (null when a signal ended it) once it has closed. */
  readonly exited: Promise<number | null>;
  /** Resolves once its `stream` (stdout by default) has written `text` (at once if it has already). */
  printed(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** Collects what `child` writes on its piped stdout and stderr from now on, and its exit code. */
export function watchChild(child: ChildProcess): WatchedChild {
  const text = { stdout: '', stderr: '' };
  const waiting: { stream: 'stdout' | 'stderr'; text: string; resolve(): void }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (b: Buffer) => {
      text[stream] += b.toString('utf8');
      for (const w of waiting.filter((x) => x.stream === stream && text[stream].includes(x.text))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    get stdout() {
      return text.stdout;
    },
    get stderr() {
      return text.stderr;
    },
    exited,
    printed: (wanted, stream = 'stdout') =>
      text[stream].includes(wanted) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ stream, text: wanted, resolve })),
  };
}

/** The deadline, in ms, of each of {@link stopWhenPrinted}'s two waits. */
const STOP_DEADLINE = 20_000;

/**
 * Waits (within 20 s, failing with `what.ready`) for `child` to print `ready` on its stdout, sends it SIGTERM, and
 * waits (within 20 s, failing with `what.exit` and what it wrote) for it to close; its exit code and output.
 */
export async function stopWhenPrinted(
  child: ChildProcess,
  ready: string,
  what: { ready: string; exit: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const watched = watchChild(child);
  await within(watched.printed(ready), STOP_DEADLINE, what.ready);
  child.kill('SIGTERM');
  const code = await within(watched.exited, STOP_DEADLINE, `${what.exit}; stdout: ${JSON.stringify(watched.stdout)}; stderr: ${JSON.stringify(watched.stderr)}`);
  return { code, stdout: watched.stdout, stderr: watched.stderr };
}
