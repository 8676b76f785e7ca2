/**
 * A graceful stop (SIGTERM) of the real `iso8583 gateway` while a POS purchase and an HTTP purchase are at a bank slower
 * than `--shutdown-deadline` (SocketQueue's names give a 35 s `--request-timeout` and keep the 10 s stop): at the
 * deadline the gateway gives both up while their clients are still connected, so the terminal gets its 68 and the HTTP
 * client a 504 (in SocketQueue's shape with `--socketqueue-answers`), and each purchase is reversed (sent before the
 * link closes, or kept in the journal and sent by the next start). Before, the POS connection was destroyed at the
 * deadline (0 bytes), the HTTP one reset a second later (no status), and the log said "answered by the gateway".
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isReversalOf, reversalsOf, within } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-stop-slow-bank-'));
let bank: ScriptedBank | undefined;

after(async () => {
  await stopAll();
  await bank?.close();
  rmSync(work, { recursive: true, force: true });
});

test('SIGTERM with purchases at a bank slower than the stop: the terminal gets 68, the HTTP client 504, both are reversed', async () => {
  // Purchases are held (a slow bank) until `answering`; everything else (sign-on, echo, reversals) is approved at once.
  let answering = false;
  const host = (bank = await startBank(approve));
  host.onRequest((request, write) => {
    if (request['0'] !== '0200' || answering) write(approve(request));
  });
  const journal = join(work, 'journal');
  const logFile = join(work, 'gw.log');
  const flags = ['--upstream', `127.0.0.1:${host.port}`, '--reversal-journal', journal, '--request-timeout', '35000', '--shutdown-deadline', '1500', '--socketqueue-answers'];
  const gw = await startGateway([...flags, '--log-file', logFile]);
  const pos = await PosClient.open(gw.pos.host, gw.pos.port);
  const posAnswer = pos.request(purchase('STOPSLW1', 601, 6010));
  const httpAnswer = fetch(`http://${gw.http.host}:${gw.http.port}/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('STOPSLW2', 602, 6020)),
  });
  httpAnswer.catch(() => undefined); // awaited below; a reset must fail there, not as an unhandled rejection
  await host.waitFor((m) => m['0'] === '0200' && m['11'] === '000601', 20_000);
  await host.waitFor((m) => m['0'] === '0200' && m['11'] === '000602', 20_000);
  gw.process.kill('SIGTERM');
  const answered = await within(posAnswer, 15_000, 'the terminal\'s answer to its purchase at the bank');
  assert.equal(answered['39'], '68', 'the terminal is told 68 (the purchase may be at the bank, and is reversed)');
  const response = await within(httpAnswer, 15_000, 'the HTTP client\'s answer');
  assert.equal(response.status, 504);
  assert.deepEqual(await response.json(), { result: '', errors: ['Gateway timeout'] }, 'SocketQueue\'s shape and text of a 504');
  await pos.close();
  assert.equal((await exitWithin(gw.process, 20_000, 'the gateway to stop')).code, 0);
  const log = readFileSync(logFile, 'utf8');
  const own = logLine(log, 'answered by the gateway');
  assert.equal(own.responseCode, '68');
  assert.doesNotMatch(log, /no answer written|NOT reversed|could not be stored/);
  const stopped = logLine(log, 'gateway stopped');
  const left = (stopped.safLeft as { reversals: number }).reversals;
  const sent = ['000601', '000602'].filter((stan) => reversalsOf(host.received, stan) > 0).length;
  // The bank answers no reversal yet: one sent before the exit is kept in the journal too (its answer not come), so
  // the two may overlap; none is lost (each sent, or kept), none kept twice.
  assert.ok(left <= 2 && sent + left >= 2, `each purchase reversed before the exit, or kept in the journal (sent ${sent}, kept ${left})`);

  // What the journal kept is sent by the next start: both purchases end up reversed at the bank.
  answering = true;
  const next = await startGateway([...flags, '--log-file', join(work, 'gw-2.log')]);
  for (const stan of ['000601', '000602']) await host.waitFor(isReversalOf(stan), 20_000);
  next.process.kill('SIGTERM');
  assert.equal((await exitWithin(next.process, 20_000, 'the restarted gateway to stop')).code, 0);
  assert.deepEqual(logLine(readFileSync(join(work, 'gw-2.log'), 'utf8'), 'gateway stopped').safLeft, { reversals: 0, advices: 0 }, 'the journal is empty after the restart');
});
