/**
 * A graceful stop of the real `iso8583 gateway` (SIGTERM) ends as soon as nothing can be sent before its
 * `--shutdown-deadline`: an advice the bank refuses, its repeat due after the deadline, does not hold the stop to it;
 * the advice stays journaled, and the next start sends its repeat.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { storeAdvice } from './helpers/saf-advice.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-saf-stop-early-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('a stop whose advice the bank refuses, its repeat due after the deadline, ends at once, not at the deadline; the next start sends the repeat', async () => {
  // The bank answers the advice 91, which does not end it (--saf-end-codes 94), until told to approve.
  let refuse = true;
  const bank = await startBank((request) => (refuse && String(request['0']).startsWith('022') ? { ...approve(request), '39': '91' } : approve(request)));
  const journal = join(work, 'journal-e');
  const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--saf-retry-interval', '120000', '--saf-end-codes', '94', '--log-level', 'info'];
  const first = await startGateway([...flags, '--shutdown-deadline', '60000']);
  assert.equal(await storeAdvice(`http://${first.http.host}:${first.http.port}`, '300701', 'SAFTERM3', '4761739001010010'), 202);
  await bank.waitFor((m) => m['11'] === '300701');
  first.process.kill('SIGTERM');
  // The stop repeats it at once (0221), refused again: its next repeat is due 120 s later, past the 60 s deadline.
  const exit = await exitWithin(first.process, 30_000, 'the gateway stopping with nothing to send before its deadline');
  assert.equal(exit.code, 0);
  const stopped = logLine(first.process.stderr(), 'gateway stopped');
  assert.deepEqual(stopped.safLeft, { reversals: 0, advices: 1 });
  assert.equal(stopped.msg, 'gateway stopped with SAF entries left in the journal: the next start sends them');
  assert.equal(stopped.code, 'ISO8583_WARN_STOPPED_SAF_LEFT');
  assert.deepEqual(bank.received.filter((m) => m['11'] === '300701').map((m) => m['0']), ['0220', '0221']);

  refuse = false;
  const second = await startGateway([...flags, '--shutdown-deadline', '60000']);
  await bank.waitFor((m) => m['11'] === '300701' && bank.received.filter((r) => r['11'] === '300701').length === 3);
  second.process.kill('SIGTERM');
  assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
  assert.deepEqual(bank.received.filter((m) => m['11'] === '300701').map((m) => m['0']), ['0220', '0221', '0221'], 'the repeat, sent by the next start');
  assert.deepEqual(logLine(second.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
  assert.doesNotMatch(first.process.stdout() + first.process.stderr() + second.process.stderr(), /4761739001010010/);
  await bank.close();
});
