/**
 * An aborted stop of the real `iso8583 gateway` (a second SIGTERM) says what its SAF queue still holds and where: one
 * line, `gateway aborted ...`, with `safLeft` (reversals, advices), `reversalsPending` and `kept` (the journal folder),
 * written once the link is destroyed (the figures survive it). A bank that never answers holds a reversal and two
 * advices in flight; the next start sends them all, as the line says.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { storeAdvice } from './helpers/saf-advice.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-abort-saf-left-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('an aborted stop logs the SAF entries left (reversals, advices), the reversals pending and the journal folder; the next start sends them', async () => {
  let answering = false;
  const bank = await startBank((request) => (answering ? approve(request) : undefined));
  const journal = join(work, 'journal');
  const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'info', '--shutdown-deadline', '60000'];
  const first = await startGateway([...flags, '--request-timeout', '1000', '--saf-initial-delay', '0']);
  // A purchase the bank never answers: answered by the gateway at its timeout, and reversed.
  const client = await PosClient.open(first.pos.host, first.pos.port);
  const answer = await client.request(purchase('ABRTTRM1', 61, 6100));
  assert.notEqual(answer['39'], '00');
  await client.close();
  const base = `http://${first.http.host}:${first.http.port}`;
  assert.equal(await storeAdvice(base, '300801', 'ABRTTRM1', '5413330089010434'), 202);
  assert.equal(await storeAdvice(base, '300802', 'ABRTTRM1', '5413330089010434'), 202);
  // Every entry at the bank, unanswered: the stop waits for them, the second signal aborts it.
  for (const [mti, stan] of [['040', 61], ['022', 300801], ['022', 300802]] as const) {
    await bank.waitFor((m) => String(m['0']).startsWith(mti) && Number(m['11']) === stan);
  }
  first.process.kill('SIGTERM');
  await first.process.waitForLine(/SIGTERM: stopping/);
  first.process.kill('SIGTERM');
  const exit = await exitWithin(first.process, 10_000, 'the gateway after a second SIGTERM');
  assert.equal(exit.code, 1);
  const aborted = logLine(first.process.stderr(), 'gateway aborted');
  assert.deepEqual(aborted.safLeft, { reversals: 1, advices: 2 });
  assert.equal(aborted.reversalsPending, 1);
  assert.equal(aborted.kept, journal);
  assert.equal(aborted.msg, 'gateway aborted with SAF entries left in the journal: the next start sends them');
  assert.equal(aborted.level, 40);
  // One story: the abort's first line (written at once, before anything that may hang), then its last; no graceful
  // stop's line after it.
  const log = first.process.stderr();
  assert.equal(logLine(log, 'gateway aborting').msg, 'gateway aborting: work in flight dropped, SAF entries kept in the journal');
  assert.ok(log.indexOf('"msg":"gateway aborting') < log.indexOf('"msg":"gateway aborted'), 'aborting, then aborted');
  assert.equal(aborted.closing, undefined, 'written once the link was destroyed');
  assert.doesNotMatch(log, /"msg":"gateway stopped/, 'one end line: the abort\'s');

  // What the line promised: the entries are in the journal, and the next start sends them (repeats).
  answering = true;
  const seen = bank.received.length;
  const second = await startGateway(flags);
  for (const [mti, stan] of [['0401', 61], ['0221', 300801], ['0221', 300802]] as const) {
    await bank.waitFor((m, i) => i >= seen && m['0'] === mti && Number(m['11']) === stan);
  }
  second.process.kill('SIGTERM');
  assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
  assert.deepEqual(logLine(second.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
  const all = first.process.stdout() + first.process.stderr() + second.process.stdout() + second.process.stderr();
  assert.doesNotMatch(all, /5413330089010434|4111111111111111/);
  await bank.close();
});
