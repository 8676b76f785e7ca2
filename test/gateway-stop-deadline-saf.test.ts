/**
 * A graceful stop of the real `iso8583 gateway` with a SAF attempt in flight to a bank that never answers, with a long
 * `--request-timeout` and `--saf-retry-interval` (the SAF queue's own close would wait up to twice their minimum for
 * the attempt: 120 s here), ends by `--shutdown-deadline` and its one-second margin: what is left is destroyed then,
 * the advice stays journaled and the stop line counts it. The limit below (30 s) is far from both the bound (3 s) and
 * the SAF queue's wait (120 s): it tells them apart, it measures nothing.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { startBank } from './helpers/bank.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-stop-deadline-saf-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('a stop with a SAF attempt in flight and a long --request-timeout ends by its --shutdown-deadline (and margin), the advice kept', async () => {
  const bank = await startBank(() => undefined);
  const journal = join(work, 'journal');
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${bank.port}`,
    '--reversal-journal', journal,
    '--request-timeout', '60000',
    '--saf-retry-interval', '60000',
    '--saf-initial-delay', '0',
    '--shutdown-deadline', '2000',
    '--log-level', 'info',
  ]);
  const advice = { '0': '0220', '2': '5413330089010434', '3': '000000', '4': '000000002500', '7': '1121103000', '11': '300901', '41': 'DLINTRM1', '49': '840', saf: true };
  const res = await fetch(`http://${gw.http.host}:${gw.http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(advice) });
  await res.arrayBuffer();
  assert.equal(res.status, 202);
  await bank.waitFor((m) => String(m['0']).startsWith('022') && Number(m['11']) === 300901);
  gw.process.kill('SIGTERM');
  const exit = await exitWithin(gw.process, 30_000, 'the gateway stopping with a SAF attempt the bank never answers');
  assert.equal(exit.code, 0);
  const lines = gw.process.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l.msg === 'gateway shutdown deadline passed: aborting what is left'), 'the deadline ended it');
  const stopped = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('gateway stopped'));
  assert.deepEqual(stopped?.safLeft, { reversals: 0, advices: 1 }, 'the advice stays journaled for the next start');
  assert.equal(stopped?.kept, journal);
  await bank.close();
});
