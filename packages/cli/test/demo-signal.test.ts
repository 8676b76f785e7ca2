// `iso8583 demo`: Ctrl-C while the samples are being sent stops the demo and removes its temporary journal folder
// (whose reversals would hold the samples' card numbers), and the run says it was interrupted (exit 130, 143 for
// SIGTERM, 129 for SIGHUP), never "demo done"; a second Ctrl-C aborts, and removes it too. SIGHUP (the terminal
// closed) stops a serving demo as Ctrl-C does. The tests run side by side (a demo, a TMPDIR and ports of their own
// each): most wait for the demo's 5 s wait on its bank, not for the CPU.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN, seen } from './cli-process.js';

/**
 * A demo (`--once` unless `args` say otherwise) under its own TMPDIR, read until its stdout matches `until` (by
 * default: it is sending a sample the bank never answers).
 */
async function demoSending(t: { after(fn: () => unknown): void }, args: string[] = ['--once'], until = /== unanswered\n/, bankDelay = 60_000): Promise<{
  tmp: string;
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}> {
  const tmp = mkdtempSync(join(tmpdir(), 'iso8583-demo-signal-'));
  // The first sample waits for a bank slower than the demo's timeouts (--bank-delay): the demo is still
  // sending it when the signal comes, whatever the speed of the machine. (An 0600 was answered 12 at once: the signal
  // then raced the next sample; an 0630, which no bank answers, is refused before it is sent now.)
  const samples = join(tmp, 'samples.json');
  writeFileSync(samples, JSON.stringify([
    { title: 'unanswered', message: { '0': '0800', '7': '${transmissionTime}', '11': '000009', '70': '301' } },
    { title: 'purchase', message: { '0': '0200', '2': '4761739001010010', '3': '000000', '4': '2500', '11': '000010', '14': '3012', '41': 'DEMO0001', '49': '840' } },
  ]));
  const env = { ...process.env, TMPDIR: tmp };
  const child = spawn(process.execPath, [BIN, 'demo', ...args, '--bank-delay', String(bankDelay), '--transactions', samples], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  await within(seen(child.stdout, until), 30_000, `the demo to print ${String(until)}`);
  assert.ok(readdirSync(tmp).some((n) => n.startsWith('iso8583-demo-')), 'the journal folder exists while the demo runs');
  return { tmp, child, stdout: () => stdout, stderr: () => stderr, exited };
}

describe('iso8583 demo on a signal', { concurrency: true }, () => {
  test('demo --once stopped by SIGINT while a sample waits for its answer leaves no journal folder behind', async (t) => {
    const { tmp, child, stdout, stderr, exited } = await demoSending(t);
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr());
    assert.match(stdout(), /SIGINT: stopping/);
    assert.match(stdout(), /^demo interrupted \(SIGINT\): 0 of 2 samples answered$/m);
    assert.doesNotMatch(stdout(), /== purchase|demo done/, 'no sample is sent after the signal, and the run is not said done');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
  });

  // The abort (a second signal while the stop waits for the bank's answer) exits at once without the embedded gateway's
  // own abort: harmless, since the bank is the simulator in the same process (its balances die with it; no reversal is
  // owed to a bank that is gone) and the journal, the only thing written to disk (the samples' card numbers), is removed
  // first. Checked: exit 1, the abort line, no sample sent after it, no journal folder left.
  test('demo --once aborted by a second SIGINT during its stop exits 1 and leaves no journal folder behind', async (t) => {
    const { tmp, child, stdout, stderr, exited } = await demoSending(t);
    child.kill('SIGINT');
    // The stop waits for the unanswered sample (the bank's delay, up to the stop's deadline): the second signal comes during it.
    await within(seen(child.stdout, /SIGINT: stopping/), 30_000, 'the stopping line');
    child.kill('SIGINT');
    const code = await within(exited, 30_000, 'the demo to exit on its abort');
    assert.equal(code, 1, stderr());
    assert.match(stdout(), /^SIGINT again: aborting$/m);
    assert.doesNotMatch(stdout(), /== purchase|demo done/);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
  });

  // A stop while the demo starts (after the bank's line): the run is interrupted, whatever part of the start the signal
  // finds (the first sample is never answered, so the demo is starting or sending it); no "Try it" after the stop began.
  test('demo stopped by SIGTERM while it starts exits 143, says interrupted and prints no "Try it"', async (t) => {
    const { tmp, child, stdout, stderr, exited } = await demoSending(t, ['--http', '0'], /bank \(host simulator\) listening on /);
    child.kill('SIGTERM');
    const code = await within(exited, 30_000, 'the demo to exit on SIGTERM');
    assert.equal(code, 143, stderr());
    assert.match(stdout(), /^demo interrupted \(SIGTERM\): 0 of 2 samples answered$/m);
    assert.doesNotMatch(stdout(), /Try it|Ctrl-C stops|demo done|== purchase/);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
  });

  // The terminal that runs `npm start` closed (SIGHUP): the demo stops as on Ctrl-C, never keeps running orphaned with
  // its port and its journal folder (the samples' card numbers).
  test('demo interrupted by SIGHUP while sending its samples exits 129 and leaves no journal folder behind', async (t) => {
    const { tmp, child, stdout, stderr, exited } = await demoSending(t, ['--http', '0']);
    child.kill('SIGHUP');
    const code = await within(exited, 30_000, 'the demo to exit on SIGHUP');
    assert.equal(code, 129, stderr());
    assert.match(stdout(), /^SIGHUP: stopping/m);
    assert.match(stdout(), /^demo interrupted \(SIGHUP\): 0 of 2 samples answered$/m);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
  });

  // Once serving (its samples done, answered by a bank without delay), SIGHUP ends the demo as Ctrl-C does: a graceful
  // stop (exit 0), its folder removed; in `gateway` and `run`, SIGHUP still reopens the log and resets stats.
  test('a serving demo stops on SIGHUP (the terminal closed) and removes its journal folder', async (t) => {
    const { tmp, child, stdout, stderr, exited } = await demoSending(t, ['--http', '0'], /^Ctrl-C stops\.\n/m, 0);
    child.kill('SIGHUP');
    const code = await within(exited, 30_000, 'the demo to exit on SIGHUP');
    assert.equal(code, 0, stderr());
    assert.match(stdout(), /^SIGHUP: stopping/m);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
  });
});
