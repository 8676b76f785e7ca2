/**
 * A graceful stop with a purchase still at the bank: the stop gives it up (its `--shutdown-deadline`) or it times out
 * during the stop (`--request-timeout`); the terminal is told 68 and the purchase reversed, and the bank, still
 * working on the 0200, answers that reversal 25 (original not found: it overtook its original). The entry ends, and
 * the gateway exits. Were the bank then to approve the 0200, no process would see it: the cardholder charged, the
 * terminal told 68. So the stop keeps the reversal for the next start (the file journal: the record of its end), which
 * sends it again as a repeat (0401): here the bank has approved the 0200 meanwhile and reverses it. The real `iso8583 gateway`, twice on one journal, a real bank;
 * no timing: the bank holds the 0200 until the first gateway has exited.
 * The two cases run side by side (a bank, a gateway and a journal of their own each): they wait on the stop's
 * deadline and the request timeout.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-overtaken-stop-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A stop with purchase `stan` at the bank (`timing`: the gateway's timeout flags); then a restart on its journal. */
async function overtakenAtStop(stan: number, timing: string[]): Promise<void> {
  const bank = await startBank(() => undefined);
  // The 0200s the bank is still working on: a reversal of one of them undoes nothing yet (25).
  const working = new Set<number>();
  bank.onRequest((req: IsoMessage, write) => {
    const mti = String(req['0']);
    if (mti === '0200') {
      working.add(Number(req['11']));
      return;
    }
    write(mti.startsWith('040') && working.has(Number(req['11'])) ? { ...approve(req), '39': '25' } : approve(req));
  });
  const journal = join(work, `journal-${stan}`);
  const args = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--reversal-retry-interval', '300', '--log-level', 'info', ...timing];
  const gw = await startGateway(args);
  const pos = await PosClient.open(gw.pos.host, gw.pos.port);
  const told = pos.request(purchase('TERMOVT1', stan, 700), 30_000);
  await bank.waitFor((m) => m['0'] === '0200' && Number(m['11']) === stan);
  gw.process.kill('SIGTERM');
  assert.equal((await told)['39'], '68', 'the terminal is told the purchase failed');
  assert.equal((await exitWithin(gw.process, 30_000, 'the gateway stopping')).code, 0);
  await pos.close();
  const reversals = bank.received.filter((m) => String(m['0']).startsWith('040') && Number(m['11']) === stan);
  assert.equal(reversals.length, 1, 'reversed once before the exit, answered 25');
  const log = gw.process.stderr();
  const kept = logLine(log, 'a reversal answered with a code that undid nothing while its original may still be approved');
  assert.deepEqual([kept.code, kept.mti, kept.responseCode], ['ISO8583_WARN_SAF_OVERTAKEN_KEPT', '0401', '25']);
  assert.deepEqual(logLine(log, 'gateway stopped').safLeft, { reversals: 1, advices: 0 }, 'the repeat is left for the next start');
  assert.doesNotMatch(log, /4111111111111111/);

  // After the exit, the bank approves the 0200: no process sees that approval. The next start reverses it.
  working.delete(stan);
  const before = bank.received.length;
  const again = await startGateway(args);
  const repeat = await bank.waitFor((m, i) => i >= before && m['0'] === '0401' && Number(m['11']) === stan);
  assert.equal(repeat['41'], 'TERMOVT1');
  again.process.kill('SIGTERM');
  assert.equal((await exitWithin(again.process, 30_000, 'the restarted gateway stopping')).code, 0);
  assert.deepEqual(logLine(again.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 }, 'the repeat was answered 00: reversed, ended');
  await bank.close();
}

describe('a reversal overtaken during the stop', { concurrency: true }, () => {
  test('a purchase given up at the stop\'s deadline, its reversal answered 25: journaled again as 0401, sent by the next start', async () => {
    await overtakenAtStop(801, ['--request-timeout', '5000', '--shutdown-deadline', '1000']);
  });

  test('a purchase timed out during the stop, its reversal answered 25: journaled again as 0401, sent by the next start', async () => {
    await overtakenAtStop(802, ['--request-timeout', '1000', '--shutdown-deadline', '10000']);
  });
});
