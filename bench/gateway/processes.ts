/** Child processes of the gateway benchmark: the real `iso8583` binary, with its ready line read for the real ports. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '@iso8583/test-support';

/** A started `iso8583` process and the groups of its ready line. */
export interface Started {
  child: ChildProcess;
  match: RegExpExecArray;
}

/**
 * Runs `iso8583 <args>` (with `nodeFlags` for node, e.g. `--cpu-prof`) from the checkout at `root` (default this one;
 * the A/B benchmark runs another checkout's build) and resolves once a stdout line matches `ready`. `wrapper` (default
 * none): a command and its arguments that run node, e.g. `valgrind --tool=callgrind` (gateway/instructions.ts).
 */
export function startIso8583(args: string[], ready: RegExp, nodeFlags: string[] = [], root: string = repoRoot(), wrapper: string[] = []): Promise<Started> {
  const command = [...wrapper, process.execPath, ...nodeFlags, join(root, 'packages', 'cli', 'bin', 'iso8583.js'), ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const m = ready.exec(buffered);
      if (m !== null) resolve({ child, match: m });
    });
    child.once('exit', (code) => reject(new Error(`iso8583 ${args[0] ?? ''} (${root}) exited with ${String(code)} before it was ready`)));
  });
}

/** Stops a process with SIGTERM and waits for it. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Node flags that load gateway/gc-watch.ts into a process when `BENCH_GC_WATCH` is set, and gateway/tail-watch.ts
 * when `BENCH_TAIL_WATCH` is set (else none).
 */
export function gcWatchFlags(): string[] {
  const flags: string[] = [];
  if (process.env.BENCH_GC_WATCH !== undefined) flags.push('--import', fileURLToPath(new URL('./gc-watch.js', import.meta.url)));
  if (process.env.BENCH_TAIL_WATCH !== undefined) flags.push('--import', fileURLToPath(new URL('./tail-watch.js', import.meta.url)));
  return flags;
}
