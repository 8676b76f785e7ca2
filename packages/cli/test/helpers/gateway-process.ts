/**
 * `iso8583 gateway` (the real binary) started for a test: resolved with its POS and HTTP ports once it printed
 * `gateway listening`, stopped with SIGTERM (and awaited) after the test, or by the test with `stop()`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { within } from '@iso8583/test-support';
import { BIN } from '../cli-process.js';

/** The ports of a started gateway (bound to 127.0.0.1). */
export interface GatewayPorts {
  /** The POS listener's port. */
  pos: number;
  /** The HTTP port; undefined with `--no-http` (`http=off`). */
  http?: number;
  /** Sends SIGTERM (once) and resolves, once the process ended and closed its output, with all it wrote to stderr (its log). */
  stop(): Promise<string>;
  /** What it wrote to stderr (its log) so far. */
  stderr(): string;
}

/**
 * Starts `iso8583 gateway ...args` (its POS listener and HTTP port on 127.0.0.1: give `--bind 127.0.0.1` and, for HTTP,
 * `--http-bind` left at its default); rejects with its stderr when it ends before it listens, or after 20 s.
 */
export async function startGateway(t: TestContext, args: string[]): Promise<GatewayPorts> {
  const child = spawn(process.execPath, [BIN, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  let text = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let stopping: Promise<string> | undefined;
  const stop = (): Promise<string> => {
    if (stopping === undefined) {
      child.kill('SIGTERM');
      stopping = closed.then(() => stderr);
    }
    return stopping;
  };
  return within(new Promise<GatewayPorts>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const m = /listening pos=127\.0\.0\.1:(\d+) http=(?:127\.0\.0\.1:(\d+)|off)/.exec(text);
      if (m !== null) resolve(m[2] === undefined ? { pos: Number(m[1]), stop, stderr: () => stderr } : { pos: Number(m[1]), http: Number(m[2]), stop, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`the gateway ended (exit ${code}): ${stderr}`)));
  }), 20_000, 'the gateway did not listen');
}
