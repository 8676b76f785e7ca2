/**
 * `iso8583 gateway` (the real binary) run with some of its output going to /dev/full (every write fails ENOSPC), then
 * stopped with SIGTERM once listening: for the tests that a full disk loses log lines, never the gateway's stop.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { BIN, stopWhenPrinted } from '../cli-process.js';

/** What the stopped gateway gave: its exit code, its output, and the folder of its reversal journal. */
export interface StoppedGateway {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr ('' when its stderr is /dev/full). */
  stderr: string;
  /** The folder of its reversal journal (`--reversal-journal`), removed after the test. */
  dir: string;
}

/**
 * Runs `iso8583 gateway` to an upstream nobody answers (no HTTP, no transaction log, its journal in a fresh folder
 * named `iso8583-<prefix>-…`, log level info, then `args`), its stderr piped or to /dev/full as `stderr` says, and
 * stops it with SIGTERM once it printed `gateway listening`. Skips the test (undefined) where there is no /dev/full.
 */
export async function stoppedWithFullDevice(t: TestContext, prefix: string, args: string[], stderr: 'pipe' | '/dev/full'): Promise<StoppedGateway | undefined> {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${prefix}-`));
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const command = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'info', ...args];
  const child = spawn(process.execPath, [BIN, ...command], { stdio: ['ignore', 'pipe', stderr === 'pipe' ? 'pipe' : full] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stopped = await stopWhenPrinted(child, 'gateway listening', { ready: 'the ready line', exit: 'the gateway to exit after SIGTERM' });
  return { ...stopped, dir };
}
