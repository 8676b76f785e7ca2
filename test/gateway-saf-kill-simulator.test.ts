/**
 * Money across a crash, with real processes: the real `iso8583 gateway` reverses a purchase the real host simulator
 * answers too late, and is killed (SIGKILL) while its reversal is at the simulator; the next start sends the reversal
 * again as a repeat (0401), and the card's balance is debited once and given back once (a balance inquiry through the
 * gateway reads it). Gated on the simulator's message log lines, not on sleeps.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventWithin } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-saf-kill-simulator-'));
const CARD = '4761739001010010';

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The simulator's message log lines (`--log-messages`) so far: direction, MTI and STAN. */
function messages(sim: CliProcess): string[] {
  return sim
    .stderr()
    .split('\n')
    .filter((l) => l.includes('"direction"'))
    .map((l) => JSON.parse(l) as { direction: string; mti: string; stan: string })
    .map((m) => `${m.direction} ${m.mti} ${m.stan}`);
}

/** Resolves once the simulator has logged `line` (`in 0400 000101`), after `first` when given; rejects after 30 s. */
function logged(sim: CliProcess, line: string, first?: string): Promise<void> {
  const stderr = sim.child.stderr;
  const failure = (): string => `the simulator never logged "${line}"${first === undefined ? '' : ` after "${first}"`}: ${messages(sim).join(', ')}`;
  return eventWithin(30_000, failure, (resolve) => {
    const seen = (): boolean => {
      const all = messages(sim);
      return all.indexOf(line, first === undefined ? 0 : all.indexOf(first) + 1) >= 0 && (first === undefined || all.includes(first));
    };
    if (seen()) return resolve();
    const check = (): void => {
      if (!seen()) return;
      stderr?.off('data', onData);
      resolve();
    };
    // After the helper's own listener has appended the chunk.
    const onData = (): void => void setImmediate(check);
    stderr?.on('data', onData);
  });
}

/** POSTs `message` as JSON to the gateway's HTTP port; the status and the parsed body. */
async function post(http: { host: string; port: number }, message: Record<string, string>): Promise<{ status: number; result: Record<string, string> | null }> {
  const res = await fetch(`http://${http.host}:${http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  const body = (await res.json()) as { result: Record<string, string> | null };
  return { status: res.status, result: body.result };
}

test('a gateway killed while its reversal is at the simulator: the next start repeats it (0401), and the balance is debited once and given back once', async () => {
  const sim = await startSimulator(['--delay', '1500', '--log-messages', '--log-level', 'info']);
  const journal = join(work, 'journal');
  const flags = ['--upstream', `127.0.0.1:${sim.port}`, '--reversal-journal', journal, '--saf-retry-interval', '60000'];
  // The simulator answers after 1.5 s, the gateway waits 0.5 s: the purchase times out and is reversed.
  const first = await startGateway([...flags, '--request-timeout', '500']);
  const purchase = { '0': '0200', '2': CARD, '3': '000000', '4': '000000002500', '11': '000101', '14': '3012', '41': 'TERM0001', '49': '840' };
  assert.equal((await post(first.http, purchase)).status, 504);
  await logged(sim.process, 'in 0400 000101');
  first.process.kill('SIGKILL');
  await first.process.exited;

  const second = await startGateway([...flags, '--request-timeout', '8000']);
  // The repeat answered (the first 0400 may or may not have been answered before the kill: either way it is once).
  await logged(sim.process, 'out 0410 000101', 'in 0401 000101');
  const inquiry = { '0': '0200', '2': CARD, '3': '300000', '4': '000000000000', '11': '000102', '14': '3012', '41': 'TERM0002', '49': '840' };
  const balance = await post(second.http, inquiry);
  assert.equal(balance.result?.['39'], '00');
  assert.equal(balance.result?.['54'], '0002840C000001000000', 'the opening 10,000.00: debited once, given back once');
  assert.deepEqual(
    messages(sim.process).filter((m) => m.startsWith('in ') && m.endsWith(' 000101')),
    ['in 0200 000101', 'in 0400 000101', 'in 0401 000101'],
  );
  second.process.kill('SIGTERM');
  assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
  assert.deepEqual(logLine(second.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
  assert.doesNotMatch(first.process.stderr() + second.process.stderr() + sim.process.stderr(), new RegExp(CARD));
});
