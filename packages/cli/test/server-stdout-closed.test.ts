// The long-running commands (`gateway`, `run`, `demo`) with a stdout whose reader went away (`iso8583 gateway ... |
// head -1`; here the test closes its end of the pipe): their start, stop and signal lines went out with a plain
// `process.stdout.write`, and the write's EPIPE crashed them with a stack (exit 1), a stop signal's line in the middle
// of the drain included (the transaction in flight cut). Now: a ready line nobody reads is a failed start (closed
// again, the error line, exit 1, as `simulate-host`), and a reader gone later never stops a drain nor loses a
// transaction: the stop ends quietly with its own exit code. The real binary, real sockets and real pipes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import { goneProcessId, waitUntil, within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

/** How long a run may take on a busy machine before the test gives up on it. */
const DEADLINE_MS = 30_000;

/** A stack trace line of a crash (`    at startThenRun (file:///...)`). */
const STACK = /^\s+at .+[:(]/m;

/** A child of the binary: its output collected, its end awaited with a deadline. */
function spawnCli(t: { after(fn: () => unknown): void }, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcessWithoutNullStreams;
  child.stdin.end();
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    out: () => stdout,
    err: () => stderr,
    ended: async (): Promise<{ code: number | null; stderr: string }> => ({ code: await within(closed, DEADLINE_MS, `iso8583 ${args[0] ?? ''} to end; stderr: ${stderr.slice(-600)}`), stderr }),
    /** Resolves once `stream` (stdout or stderr) holds a match of `pattern`. */
    seen: (stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<RegExpExecArray> =>
      within(
        new Promise<RegExpExecArray>((resolve) => {
          const look = (): void => {
            const m = pattern.exec(stream === 'stdout' ? stdout : stderr);
            if (m !== null) resolve(m);
          };
          child[stream].on('data', look);
          look();
        }),
        DEADLINE_MS,
        `${what}; stderr: ${stderr.slice(-600)}`,
      ),
  };
}

/** A journal folder for a gateway, removed after the test. */
function folder(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stdout-closed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a long-running command whose stdout reader went away', { concurrency: true }, () => {
  test('gateway whose ready line nobody reads closes again and fails with the error line (exit 1), no crash', async (t) => {
    const dir = folder(t);
    const cli = spawnCli(t, ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'silent']);
    cli.child.stdout.destroy();
    const { code, stderr } = await cli.ended();
    assert.doesNotMatch(stderr, STACK, 'no crash with a stack');
    assert.match(stderr, /^iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: EPIPE .*stopped, as its start line could not be written\n$/);
    assert.equal(code, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl', 'upstream.json'], 'closed in order: the journal lock released (the upstream marker stays)');
  });

  test('gateway: the reader gone after the ready line, SIGTERM drains a transaction in flight to its answer and exits 0 quietly', async (t) => {
    // A bank that holds each 0200 until the test lets it answer.
    let got: () => void = () => undefined;
    const atBank = new Promise<void>((resolve) => (got = resolve));
    let answer: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    const bank = createInboundEndpoint({
      port: 0,
      host: '127.0.0.1',
      firstMessageTimeout: 0,
      sequence: async (m) => {
        if (m.mti === '0200') {
          got();
          await gate;
        }
        return { ...m.fields, 0: responseMti(m.mti), 38: '123456', 39: '00' };
      },
    });
    const { port: bankPort } = await bank.start();
    t.after(() => bank.destroy());
    const dir = folder(t);
    const cli = spawnCli(t, ['gateway', '--upstream', `127.0.0.1:${bankPort}`, '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', dir, '--log-level', 'info']);
    const ready = await cli.seen('stdout', /pos=127\.0\.0\.1:(\d+)/, 'the ready line');
    cli.child.stdout.destroy();

    const pos = createConnector({ host: '127.0.0.1', port: Number(ready[1]), requestTimeout: DEADLINE_MS });
    t.after(() => pos.destroy());
    const response = pos.request({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '2500', 7: '1204213000', 11: '000001', 14: '3012', 41: 'TERM0001', 49: '840' });
    await within(atBank, DEADLINE_MS, 'the purchase to reach the bank');
    cli.child.kill('SIGTERM');
    await cli.seen('stderr', /gateway stopping: no new clients/, 'the drain to begin');
    answer();

    const answered = await within(response, DEADLINE_MS, 'the purchase to be answered');
    assert.equal(answered['39'], '00', 'the terminal got its approval: nothing cut mid-drain');
    const { code, stderr } = await cli.ended();
    assert.doesNotMatch(stderr, STACK, 'no crash with a stack');
    assert.doesNotMatch(stderr, /^iso8583: /m, 'a closed stdout gets no error line');
    assert.match(stderr, /"safLeft":\{"reversals":0,"advices":0\}.*"msg":"gateway stopped"/, 'a stop in order, nothing to reverse: the approval was delivered');
    assert.equal(code, 0, 'the stop\'s own exit code');
  });

  test('gateway: SIGTERM while it starts, its stdout gone, ends the start quietly (exit 0), no crash', async (t) => {
    // The start held on a stale journal lock whose take-over gate this process holds (gateway-stop-before-ready.test.ts).
    const journal = join(folder(t), 'journal');
    mkdirSync(journal);
    const gone = goneProcessId();
    writeFileSync(join(journal, 'reversals.lock'), `${gone}\n`);
    const gate = join(journal, `reversals.lock.takeover-${gone}`);
    writeFileSync(gate, `${process.pid}\n`);
    const cli = spawnCli(t, ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', journal, '--log-level', 'silent']);
    cli.child.stdout.destroy();
    await waitUntil(() => readdirSync(journal).some((n) => /^reversals\.lock\.\d+-/.test(n)), { what: 'the start to make its private lock file' });
    cli.child.kill('SIGTERM');
    // Whether the signal is handled before or after the start goes on, the stop writes a line nobody reads.
    unlinkSync(join(journal, 'reversals.lock'));
    unlinkSync(gate);
    const { code, stderr } = await cli.ended();
    assert.doesNotMatch(stderr, STACK, 'no crash with a stack');
    assert.doesNotMatch(stderr, /^iso8583: /m, 'a stop line nobody reads gets no error line');
    assert.equal(code, 0);
  });

  test('run whose ready lines nobody reads closes again and fails with the error line (exit 1), no crash', async (t) => {
    const dir = folder(t);
    const flow = join(dir, 'flow.json');
    writeFileSync(flow, JSON.stringify({ name: 'quiet', inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
    const cli = spawnCli(t, ['run', flow]);
    cli.child.stdout.destroy();
    const { code, stderr } = await cli.ended();
    assert.doesNotMatch(stderr, STACK, 'no crash with a stack');
    assert.match(stderr, /^iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: EPIPE .*stopped, as its start line could not be written\n$/m);
    assert.equal(code, 1);
  });

  test('demo whose output nobody reads stops and fails with the error line (exit 1), no crash', async (t) => {
    const cli = spawnCli(t, ['demo', '--once', '--log-level', 'silent']);
    cli.child.stdout.destroy();
    const { code, stderr } = await cli.ended();
    assert.doesNotMatch(stderr, STACK, 'no crash with a stack');
    assert.match(stderr, /^iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: EPIPE .*stopped, as its start line could not be written\n$/);
    assert.equal(code, 1);
  });
});

// Their one-shot outputs (help, schema, a check; the dispatcher's help and version) with the reader gone before they write: a quiet end with exit 0, as
// `decode ... | head -1`; they crashed with a stack before (an uncaught EPIPE `error` event, exit 1).
describe('a one-shot output of a long-running command whose reader went away', { concurrency: true }, () => {
  const cases: string[][] = [
    ['gateway', '--help'],
    ['gateway', '--upstream', '127.0.0.1:9', '--check-config'],
    ['run', '--help'],
    ['run', '--schema'],
    ['demo', '--help'],
    // The dispatcher's own: the general help and the version.
    ['--help'],
    ['--version'],
  ];
  for (const args of cases) {
    test(args.join(' '), async (t) => {
      const cli = spawnCli(t, args);
      cli.child.stdout.destroy();
      const { code, stderr } = await cli.ended();
      assert.equal(stderr, '', 'no stack, no error line');
      assert.equal(code, 0);
    });
  }
});
