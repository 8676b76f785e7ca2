// `iso8583 load` stopped by SIGTERM (a supervisor, `timeout 60 iso8583 load ...`, a CI job cancelled) as by Ctrl-C:
// it stops sending, waits for the answers in flight and prints the summary of what was done, marked interrupted by
// SIGTERM, exit code 143. SIGTERM's default action killed it before: no summary at all. The real binary, a real host.
// A stop while the terminals connect (a TLS handshake that hangs) ends the run at once too, not at the connect timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { within } from '@iso8583/test-support';
import type { LoadSummary } from '../src/index.js';
import { BIN } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

/** The end of a run of the binary: its exit code or signal and what it wrote. */
interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `iso8583 ...args` (killed after the test if still running); `ended` resolves when it closed. */
function startLoad(t: { after: (fn: () => void) => void }, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const ended = new Promise<RunEnd>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, ended };
}

/** Runs `iso8583 load ...args`, SIGTERMs it once its first request is answered; resolves to its end. */
async function stoppedRun(t: { after: (fn: () => void) => void }, json: boolean): Promise<RunEnd> {
  let first: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (first = resolve));
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.write(answerFrame(request));
    first();
  });
  // One request every 60 s: the first goes at once, the run then waits for a slot a minute later.
  const args = ['load', '--port', String(port), '--clients', '1', '--count', '3', '--rate', String(1 / 60), '--quiet', ...(json ? ['--json'] : [])];
  const { child, ended: closed } = startLoad(t, args);
  await within(answered, 20_000, 'the first request to be answered');
  child.kill('SIGTERM');
  const end = await within(closed, 20_000, 'load to end after its SIGTERM');
  return end;
}

test('load stopped by SIGTERM prints the summary of what was done, interrupted by SIGTERM, exit 143', async (t) => {
  const run = await stoppedRun(t, true);
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 143, signal: null }, run.stderr);
  const summary = JSON.parse(run.stdout) as LoadSummary;
  assert.equal(summary.interrupted, true);
  assert.equal(summary.interruptedBy, 'SIGTERM');
  assert.equal(summary.sent, 1);
  assert.equal(summary.answered, 1);
  // The two requests of the count the stop left unsent are not `notSent` (no connection was lost): sent + notSent is
  // the count only in a run not interrupted.
  assert.equal(summary.notSent, 0);
});

test('load stopped by SIGTERM says so in its text summary', async (t) => {
  const run = await stoppedRun(t, false);
  assert.equal(run.code, 143, run.stderr);
  assert.match(run.stdout, /^interrupted {3}\(SIGTERM\): the figures of what was done until then\n/);
});

/**
 * Runs `iso8583 load --tls` against a TCP host that accepts and never speaks (the TLS handshake never ends), sends
 * `signal` once the host saw the connection; resolves to its end.
 */
async function stoppedWhileConnecting(t: { after: (fn: () => void) => void }, signal: 'SIGTERM' | 'SIGINT'): Promise<RunEnd> {
  let seen: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (seen = resolve));
  const held = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
    seen();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  const { port } = server.address() as net.AddressInfo;
  const args = ['load', '--port', String(port), '--tls', '--tls-insecure', '--clients', '1', '--count', '1', '--quiet', '--json'];
  const { child, ended: closed } = startLoad(t, args);
  await within(connected, 20_000, 'the host to see the connection of load');
  child.kill(signal);
  // The connect timeout is 5 s: an end within 3.5 s of the signal is the signal's, not the timeout's.
  const end = await within(closed, 3_500, `load to end within 3.5 s of its ${signal} while its TLS handshake hangs (not at its 5 s connect timeout)`);
  return end;
}

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`load stopped by ${signal} while its terminals connect ends at once: interrupted summary, exit ${code}`, async (t) => {
    const run = await stoppedWhileConnecting(t, signal);
    assert.deepEqual({ code: run.code, signal: run.signal }, { code, signal: null }, run.stderr);
    const summary = JSON.parse(run.stdout) as LoadSummary;
    assert.equal(summary.interrupted, true);
    assert.equal(summary.interruptedBy, signal);
    assert.equal(summary.clients, 0);
    assert.equal(summary.connectFailures, 0, 'a connect the stop ended is not a connect failure');
    assert.equal(summary.sent, 0);
  });
}
