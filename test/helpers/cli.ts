/**
 * Runs the real `iso8583` binary as a child process (node packages/cli/bin/iso8583.js with process.execPath) and reads
 * its ready lines, so that end-to-end tests use the real ports the process picked (`--listen 0`, `--http 0`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventWithin, repoRoot } from '@iso8583/test-support';

/** The `iso8583` bin script. */
export const BIN = join(repoRoot(), 'packages', 'cli', 'bin', 'iso8583.js');

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `iso8583` process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Resolves with the first stdout line (past or future) matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, limitMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Sends a signal (if still running). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `iso8583 <args>`. Killed by `stopAll` (call it in `after`). Without `XDG_STATE_HOME` in `env`, the process
 * gets a fresh one (a temporary folder removed when it exits).
 */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  // A journal nobody placed (reversal on without `journalDir`, as in the example flows) goes to a state folder of this
  // process's own, removed when it exits: never the user's `~/.local/state`, never one another test holds locked.
  const state = options.env?.XDG_STATE_HOME === undefined ? mkdtempSync(join(tmpdir(), 'iso8583-cli-state-')) : undefined;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? repoRoot(),
    env: { ...process.env, ...(state === undefined ? {} : { XDG_STATE_HOME: state }), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (state !== undefined) child.once('close', () => rmSync(state, { recursive: true, force: true }));
  killOnExit(child);
  const lines: string[] = [];
  let out = '';
  let err = '';
  let partial = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i] as (typeof waiters)[number];
        const m = w.pattern.exec(line);
        if (m !== null) {
          waiters.splice(i, 1);
          w.resolve(m);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    stderr: () => err,
    stdout: () => out,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLine: (pattern, limitMs = 30_000) => {
      for (const line of lines) {
        const m = pattern.exec(line);
        if (m !== null) return Promise.resolve(m);
      }
      return eventWithin<RegExpExecArray>(limitMs, () => `no line ${pattern} within ${limitMs} ms; stderr: ${err.slice(-2000)}`, (resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((e) => {
          reject(new Error(`process exited (${e.code ?? e.signal}) before ${pattern}; stdout: ${out.slice(-1000)} stderr: ${err.slice(-2000)}`));
        });
      });
    },
  };
}

/** Every process a test started through here that is still running. */
const running = new Set<ChildProcess>();
let exitHooked = false;

/**
 * Kills `child` (SIGKILL) if it is still running when this test process ends: normally, or by the runner's SIGTERM
 * after a test timed out (a cancelled test's `after` hooks may not have stopped what it started, and a server left
 * behind would outlive the run). Every process a test file spawns goes through here.
 */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHooked) return;
  exitHooked = true;
  const killOwned = (): void => {
    for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killOwned);
  process.once('SIGTERM', () => {
    killOwned();
    process.exit(143);
  });
}

/** Runs `iso8583 <args>` to its end (a one-shot command); resolves with its exit code and output. */
export async function runToEnd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args);
  const exit = await p.exited;
  return { code: exit.code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills every process started by {@link startCli} or given to {@link killOnExit} that is still running. */
export async function stopAll(): Promise<void> {
  const left = [...running];
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Parses `HOST:PORT` (or `[v6]:PORT`). */
export function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(text.slice(i + 1)) };
}

/**
 * Starts `iso8583 simulate-host --port PORT [args]` and resolves with its address. `port` default 0 (the system's
 * pick); a bank that comes back on its port after a stop needs a reserved one (test-support's `reservePort`).
 */
export async function startSimulator(args: string[] = [], port = 0): Promise<{ process: CliProcess; host: string; port: number }> {
  const p = startCli(['simulate-host', '--port', String(port), ...args]);
  const m = await p.waitForLine(/listening on (\S+)/);
  return { process: p, ...hostPort(m[1] as string) };
}

/** The addresses printed by the gateway's ready line. */
export interface GatewayAddresses {
  pos: { host: string; port: number };
  http: { host: string; port: number };
  /** The separate metrics listener (`--metrics`), when there is one. */
  metrics?: { host: string; port: number };
}

/**
 * Resolves with how `p` exited once it has, or rejects with `what` when it is still running after `limitMs` (the
 * process is left to `stopAll`).
 */
export function exitWithin(p: CliProcess, limitMs: number, what: string): Promise<Exit> {
  return eventWithin<Exit>(limitMs, () => `${what}: still running after ${limitMs} ms; stdout: ${p.stdout().slice(-500)} stderr: ${p.stderr().slice(-1000)}`,
    (resolve) => void p.exited.then(resolve));
}

/** Starts `iso8583 gateway --listen 0 --http 0 [args]` and resolves with the addresses it printed. */
export async function startGateway(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ process: CliProcess } & GatewayAddresses> {
  const p = startCli(['gateway', '--listen', '0', '--http', '0', ...args], options);
  const m = await p.waitForLine(/^gateway listening pos=(\S+) http=(\S+)(?: metrics=(\S+))?/);
  const addresses: GatewayAddresses = { pos: hostPort(m[1] as string), http: hostPort(m[2] as string) };
  if (m[3] !== undefined) addresses.metrics = hostPort(m[3]);
  return { process: p, ...addresses };
}

/** The JSON log line (the binary logs to stderr) whose `msg` starts with `msg`; fails the test when there is none. */
export function logLine(log: string, msg: string): Record<string, unknown> {
  const line = log.split('\n').find((l) => l.startsWith('{') && l.includes(`"msg":"${msg}`));
  assert.ok(line !== undefined, `no log line "${msg}" in: ${log.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}
