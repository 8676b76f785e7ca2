/**
 * A purchase held at the bank times out (the terminal told 68) and its reversal overtakes it (`25`, original not
 * found); the terminal then sends the purchase again, a repeat (0201) or the same 0200 resent, which the bank books and
 * approves in time: the terminal holds that approval. The gateway must not reverse it afterwards: not when the bank's
 * answer to the held 0200 (the same booking) comes late, nor at the next start after a stop or a crash (SIGKILL).
 * The real `iso8583 gateway` on a file journal and a ledger bank (books a 0200/0201 once per STAN and terminal,
 * reverses once what field 90 names, answers 25 when it has booked no such original); no sleeps: the repeat is sent
 * again while the gateway refuses it (its reversal not ended yet), the ends are read from the stops' log lines.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-overtaken-repeat-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The ledger bank: its first 0200 held (its answer handed to `held`), the ledger's net per terminal and STAN. */
async function ledgerBank(): Promise<{ bank: ScriptedBank; held: Promise<() => void>; net: () => number }> {
  const bank = await startBank(() => undefined);
  const booked = new Map<string, { amount: number; reversed: boolean }>();
  const key = (stan: unknown, terminal: unknown): string => `${Number(stan)}/${String(terminal).trim()}`;
  const book = (m: IsoMessage): void => {
    if (!booked.has(key(m['11'], m['41']))) booked.set(key(m['11'], m['41']), { amount: Number(m['4']), reversed: false });
  };
  let release!: (answer: () => void) => void;
  const held = new Promise<() => void>((resolve) => (release = resolve));
  let holding = true;
  bank.onRequest((m, write) => {
    const mti = String(m['0']);
    if (mti === '0200' && holding) {
      holding = false;
      // Answered when released: booked then (the bank finished its work on it), approved.
      release(() => {
        book(m);
        write(approve(m));
      });
      return;
    }
    if (mti === '0200' || mti === '0201') {
      book(m);
      return write(approve(m));
    }
    if (mti.startsWith('04')) {
      const t = booked.get(key(String(m['90']).slice(4, 10), m['41']));
      if (t !== undefined) t.reversed = true;
      return write({ ...approve(m), '39': t === undefined ? '25' : '00' });
    }
    write(approve(m));
  });
  const net = (): number => [...booked.values()].reduce((sum, t) => sum + (t.reversed ? 0 : t.amount), 0);
  return { bank, held, net };
}

/** Gateway flags for `bank` and journal `journal`. */
function flags(bank: ScriptedBank, journal: string): string[] {
  return ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--request-timeout', '1000', '--reversal-retry-interval', '300', '--log-level', 'info'];
}

/**
 * The purchase `stan` times out at the bank (68) and its reversal is answered 25; then `again` (its repeat, or the
 * same 0200) is sent until the gateway lets it through (refused while the reversal has not ended): approved.
 */
async function overtakenThenApproved(pos: PosClient, bank: ScriptedBank, stan: number, again: MessageInput): Promise<void> {
  assert.equal((await pos.request(purchase('TERMRPT1', stan, 4200), 30_000))['39'], '68', 'the terminal is told the purchase failed');
  const reversal = await bank.waitFor((m) => String(m['0']).startsWith('040') && Number(m['11']) === stan);
  assert.equal(reversal['41'], 'TERMRPT1');
  const sent = (): number => bank.received.filter((m) => m['0'] === again['0'] && Number(m['11']) === stan).length;
  const before = sent();
  // Bounded by time, not by tries (instant refusals on a slow box could use up any count before the 25 is written); a
  // short pause between tries: a poll with a deadline, not ordering.
  const deadline = Date.now() + 30_000;
  for (let tries = 1; ; tries++) {
    const answer = await pos.request(again, 30_000);
    if (sent() > before) {
      assert.equal(answer['39'], '00', 'the repeat is approved');
      return;
    }
    assert.notEqual(answer['39'], '00', 'refused while the reversal has not ended');
    assert.ok(Date.now() < deadline, `the repeat was not let through within 30 s of the reversal (${tries} tries, each refused ${String(answer['39'])})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stops `gw` with SIGTERM; returns what its stop left in the journal. */
async function stopped(gw: CliProcess): Promise<unknown> {
  gw.kill('SIGTERM');
  assert.equal((await exitWithin(gw, 30_000, 'the gateway stopping')).code, 0);
  return logLine(gw.stderr(), 'gateway stopped').safLeft;
}

const repeatOf = (stan: number): MessageInput => ({ ...purchase('TERMRPT1', stan, 4200), '0': '0201' });

test('a repeat (0201) approved after an overtaken reversal: the held 0200\'s late approval (the same booking) is not reversed', async () => {
  const { bank, held, net } = await ledgerBank();
  const gw = await startGateway(flags(bank, join(work, 'late')));
  const pos = await PosClient.open(gw.pos.host, gw.pos.port);
  await overtakenThenApproved(pos, bank, 601, repeatOf(601));
  (await held)();
  await waitUntil(() => gw.process.stderr().includes('late response (its request had timed out)'), { what: 'the held 0200\'s answer read as a late response', timeoutMs: 30_000 });
  await pos.close();
  assert.deepEqual(await stopped(gw.process), { reversals: 0, advices: 0 }, 'no repeat stored for the next start');
  const next = await startGateway(flags(bank, join(work, 'late')));
  assert.deepEqual(await stopped(next.process), { reversals: 0, advices: 0 }, 'nor found by the next start');
  assert.deepEqual(bank.received.filter((m) => m['0'] === '0401').length, 0, 'no repeat of the reversal sent');
  assert.equal(net(), 4200, 'the bank keeps the purchase the terminal was told approved');
  assert.doesNotMatch(gw.process.stderr(), /4111111111111111/);
  await bank.close();
});

/** The repeat (`again`) approved, then the gateway stopped (`signal`) and started again on its journal: nothing reversed. */
async function approvedThenRestart(name: string, stan: number, again: MessageInput, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const { bank, net } = await ledgerBank();
  const journal = join(work, name);
  const gw = await startGateway(flags(bank, journal));
  const pos = await PosClient.open(gw.pos.host, gw.pos.port);
  await overtakenThenApproved(pos, bank, stan, again);
  await pos.close();
  if (signal === 'SIGTERM') assert.deepEqual(await stopped(gw.process), { reversals: 0, advices: 0 }, 'nothing kept for the next start');
  else {
    gw.process.kill('SIGKILL');
    await exitWithin(gw.process, 30_000, 'the gateway killed');
  }
  const next = await startGateway(flags(bank, journal));
  assert.deepEqual(await stopped(next.process), { reversals: 0, advices: 0 }, 'the start stored no repeat');
  assert.doesNotMatch(next.process.stderr(), /ISO8583_WARN_SAF_OVERTAKEN_REPEATED/);
  assert.deepEqual(bank.received.filter((m) => m['0'] === '0401').length, 0, 'no repeat of the reversal sent');
  assert.equal(net(), 4200, 'the bank keeps the purchase the terminal was told approved');
  await bank.close();
}

test('a repeat (0201) approved after an overtaken reversal, then a clean stop: the next start reverses nothing', async () => {
  await approvedThenRestart('term', 602, repeatOf(602), 'SIGTERM');
});

test('a repeat (0201) approved after an overtaken reversal, then SIGKILL: the next start reverses nothing', async () => {
  await approvedThenRestart('kill', 603, repeatOf(603), 'SIGKILL');
});

test('the same 0200 resent and approved after an overtaken reversal, then SIGKILL: the next start reverses nothing', async () => {
  await approvedThenRestart('resend', 604, purchase('TERMRPT1', 604, 4200), 'SIGKILL');
});
