/**
 * A graceful stop of the real `iso8583 gateway` (SIGTERM) waits for every SAF entry, advices as well as reversals,
 * up to `--shutdown-deadline`: an advice stored with `saf: true` while the bank was down is delivered before the
 * process exits once the bank is back; when the deadline passes first, the stop line counts what is left by kind and
 * the advice stays journaled for the next start. An entry waiting for its next attempt is sent at once by the stop,
 * not when its retry interval ends, and so is a reversal triggered while the stop waits (a request in flight when it
 * began loses its link).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, waitUntil } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { storeAdvice } from './helpers/saf-advice.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-saf-drain-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A port where nothing listens (a bank that was there and is gone). */
async function downPort(): Promise<number> {
  // Reserved (until the file's process exits), not a bank started and closed: the system hands such a port out again
  // before the test's bank comes back on it.
  return (await reservePort()).port;
}

describe('iso8583 gateway: SIGTERM drains the SAF queue', () => {
  test('an advice stored while the bank is down is delivered before the exit once the bank is back', async () => {
    const port = await downPort();
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${port}`,
      '--reversal-journal', join(work, 'journal-a'),
      '--saf-retry-interval', '200',
      '--shutdown-deadline', '30000',
      '--log-level', 'info',
    ]);
    assert.equal(await storeAdvice(`http://${gw.http.host}:${gw.http.port}`, '300301', 'SAFTERM2'), 202);
    gw.process.kill('SIGTERM');
    // The stop has begun (the POS and HTTP sides close) before the bank comes back: only the drain can deliver now.
    await gw.process.waitForLine(/^SIGTERM: stopping/);
    const bank = await startBank((request) => approve(request), port);
    const exit = await exitWithin(gw.process, 40_000, 'the gateway draining its SAF queue');
    assert.equal(exit.code, 0);
    const delivered = bank.received.filter((m) => m['11'] === '300301');
    assert.equal(delivered.length >= 1, true, 'the bank received the advice before the gateway exited');
    assert.match(String(delivered[0]?.['0']), /^022[01]$/);
    assert.deepEqual(logLine(gw.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
    assert.doesNotMatch(gw.process.stdout() + gw.process.stderr(), /4111111111111111/);
    await bank.close();
  });

  test('an advice waiting for a retry interval longer than the deadline is sent at once by the stop, and delivered', async () => {
    // The bank lets the first attempt go unanswered (it times out after --request-timeout) and approves the rest.
    let first = true;
    const bank = await startBank((request) => {
      if (request['11'] !== '300501' || !first) return approve(request);
      first = false;
      return undefined;
    });
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal-c'),
      '--request-timeout', '1000',
      // Ten minutes to the next attempt, far past the deadline: only a stop that sends at once delivers it.
      '--saf-retry-interval', '600000',
      '--shutdown-deadline', '20000',
      '--log-level', 'info',
    ]);
    assert.equal(await storeAdvice(`http://${gw.http.host}:${gw.http.port}`, '300501', 'SAFTERM2'), 202);
    await bank.waitFor((m) => m['11'] === '300501');
    // The first attempt has failed: the entry now waits for its retry interval.
    await waitUntil(() => gw.process.stderr().includes('SAF entry not answered: will repeat'), { what: 'the first attempt to time out', timeoutMs: 30_000 });
    gw.process.kill('SIGTERM');
    const exit = await exitWithin(gw.process, 40_000, 'the gateway draining its SAF queue');
    assert.equal(exit.code, 0);
    const attempts = bank.received.filter((m) => m['11'] === '300501').map((m) => m['0']);
    assert.deepEqual(attempts, ['0220', '0221'], 'the repeat left during the stop');
    assert.deepEqual(logLine(gw.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
    await bank.close();
  });

  test('a reversal triggered while the stop waits (its request loses the link after SIGTERM) is sent at once and answered before the exit', async () => {
    // The bank never answers the purchase, holds the advice's attempts until the link has dropped, approves the rest.
    let dropped = false;
    const bank = await startBank((request) => {
      if (request['0'] === '0200') return undefined;
      if (String(request['0']).startsWith('022') && !dropped) return undefined;
      return approve(request);
    });
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal-d'),
      '--request-timeout', '60000',
      // An hour before an entry's first attempt, far past the deadline: only the stop sends an entry early.
      '--saf-initial-delay', '3600000',
      // The advice's attempt the drop ends is repeated after this interval (the stop sends at once only what waits
      // when it begins): short, so that the stop is not kept waiting for it.
      '--saf-retry-interval', '300',
      '--shutdown-deadline', '20000',
      '--log-level', 'info',
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    assert.equal(await storeAdvice(base, '300602', 'SAFTERM2'), 202);
    const purchase = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '300601', '41': 'SAFTERM2', '49': '840' };
    const answer = fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase) });
    await bank.waitFor((m) => m['11'] === '300601');
    gw.process.kill('SIGTERM');
    // The advice reaches the bank only through the stop's flush: the stop is now waiting for it, the purchase in flight.
    await bank.waitFor((m) => m['11'] === '300602');
    // The link drops under both: the purchase's outcome is unknown, so it is reversed while the stop waits.
    dropped = true;
    bank.drop();
    const res = await answer;
    await res.arrayBuffer();
    assert.equal(res.status, 502, 'the purchase failed with the link');
    const exit = await exitWithin(gw.process, 40_000, 'the gateway draining its SAF queue');
    assert.equal(exit.code, 0);
    const reversals = bank.received.filter((m) => m['11'] === '300601' && m['0'] !== '0200').map((m) => m['0']);
    assert.deepEqual(reversals, ['0400'], 'the reversal left during the stop, not an hour later, and was answered');
    assert.equal(bank.received.some((m) => m['11'] === '300602' && m['0'] === '0221'), true, 'the advice was repeated and answered');
    assert.deepEqual(logLine(gw.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 }, 'nothing left for the next start');
    assert.doesNotMatch(gw.process.stdout() + gw.process.stderr(), /4111111111111111/);
    await bank.close();
  });

  test('when nothing can be sent before the deadline (the bank is down, the next attempt is due after it), the stop line says 1 advice left, and the next start delivers it', async () => {
    const port = await downPort();
    const journal = join(work, 'journal-b');
    const first = await startGateway(['--upstream', `127.0.0.1:${port}`, '--reversal-journal', journal, '--shutdown-deadline', '1000', '--log-level', 'info']);
    assert.equal(await storeAdvice(`http://${first.http.host}:${first.http.port}`, '300401', 'SAFTERM2'), 202);
    first.process.kill('SIGTERM');
    assert.equal((await exitWithin(first.process, 30_000, 'the gateway stopping at its deadline')).code, 0);
    const stopped = logLine(first.process.stderr(), 'gateway stopped');
    assert.deepEqual(stopped.safLeft, { reversals: 0, advices: 1 });
    assert.equal(stopped.level, 40, 'what is left is reported as a warning');

    // Still journaled: the next start, the bank up again at its address, delivers it (a journal owing entries to
    // another upstream is refused: journal-upstream.ts).
    const bank = await startBank((request) => approve(request), port);
    const second = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'warn']);
    const delivered = await bank.waitFor((m) => m['11'] === '300401');
    assert.equal(delivered['4'], '000000002500');
    second.process.kill('SIGTERM');
    assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
    await bank.close();
  });
});
