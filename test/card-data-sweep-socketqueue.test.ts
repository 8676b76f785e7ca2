/**
 * The card-data sweep of the gateway with SocketQueue's names (`--socketqueue`: the smartvista dialect, whose PIN block
 * and EMV data travel as raw bytes, 4 ASCII digits of length, SocketQueue's answer shapes, any content type read as
 * JSON): card data in every sensitive field (helpers/card-canaries.ts) through an approval, a timeout (the
 * SmartVista reversal: the original's fields, never track, PIN or EMV data), a malformed answer, bad bodies and the
 * 405 answer; then the log file, the journal folder, the answers and the reversals the bank got are read for it.
 * Policy as in card-data-sweep.test.ts (docs/operations.md, "Where card data is kept").
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { PAN, REVERSAL_JOURNAL, TRACK2, assertSinks, canaryMessage, folderSinks } from './helpers/card-canaries.js';
import type { Allowed, Sink } from './helpers/card-canaries.js';
import { packed, startRawBank } from './helpers/raw-bank.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sweep-sq-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/**
 * A canary purchase as smartvista takes it: terminal, merchant and currency numeric; no CVV in field 48, which
 * smartvista does not mark (an unmarked private field is shown as it is, its PAN-shaped digit runs masked).
 */
function purchase(stan: number): IsoMessage {
  const message: IsoMessage = { ...canaryMessage(stan), '14': '002912', '41': '00992468', '42': '123456789012345' };
  delete message['48'];
  return message;
}

/** 1xx approve (every field echoed, 39 = 000), 3xx silence, 4xx an answer whose field 4 is not digits; reversals approved. */
function bankRule(request: IsoMessage): IsoMessage | Buffer | undefined {
  const answer: IsoMessage = { ...request, '0': responseMti(String(request['0'])) ?? '0210', '39': '000' };
  if (String(request['0']).startsWith('04')) return answer;
  const kind = Math.floor(Number(request['11']) / 100);
  if (kind === 3) return undefined;
  if (kind === 4) return Buffer.from(packed(answer, 'smartvista').toString('latin1').replace('000000001000', '00000000ABCD'), 'latin1');
  return answer;
}

test('gateway --socketqueue: answers, logs, journal and reversals hold no card data beyond the policy', async () => {
  const bank = await startRawBank(bankRule, { dialect: 'smartvista', lengthHeader: 'ascii4' });
  after(() => bank.close());
  const journal = join(work, 'journal');
  const logFile = join(work, 'gateway.log');
  const gw = await startGateway([
    '--socketqueue', '--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-file', logFile,
    '--log-level', 'trace', '--log-messages', '--request-timeout', '3000', '--reversal-retry-interval', '300',
  ]);
  const base = `http://${gw.http.host}:${gw.http.port}`;
  const sinks: Sink[] = [];
  const everything: Allowed = { PAN: 'echoed', PAN_EXTENDED: 'echoed', TRACK2: 'echoed', TRACK3: 'echoed', TRACK1: 'echoed', CARDHOLDER: 'echoed', CVV: 'echoed', PIN_BLOCK: 'echoed', EMV: 'echoed' };
  const post = async (name: string, path: string, body: string, type = 'application/json', method = 'POST'): Promise<number> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': type }, ...(method === 'POST' ? { body } : {}) });
    sinks.push({ name: `HTTP ${name} (${res.status})`, text: await res.text(), allowed: res.status < 300 ? everything : {} });
    return res.status;
  };
  assert.equal(await post('POST / JSON', '/', JSON.stringify(purchase(101))), 200);
  assert.equal(await post('POST /pay as a form', '/pay', JSON.stringify(purchase(102)), 'application/x-www-form-urlencoded'), 200);
  const failures = await Promise.all([
    post('POST / JSON, the bank silent', '/?timeout=1000', JSON.stringify(purchase(301))),
    post('POST / JSON, a malformed answer', '/', JSON.stringify(purchase(401))),
  ]);
  for (const status of failures) assert.ok(status >= 500, `a failure: ${status}`);
  assert.equal(await post('POST / JSON, cut', '/', JSON.stringify(purchase(103)).slice(0, 300)), 400);
  assert.equal(await post('POST / JSON, invalid fields', '/', JSON.stringify({ ...purchase(104), '2': `${PAN}AB`, '35': `${TRACK2}99` })), 400);
  assert.equal(await post('POST /raw, not hex', '/raw', `${packed(purchase(105), 'smartvista').toString('hex')}ZZ`, 'text/plain'), 400);
  assert.equal(await post(`GET /${PAN}`, `/${PAN}?track=${encodeURIComponent(TRACK2)}`, '', 'application/json', 'GET'), 405);
  await waitUntil(() => [301, 401].every((s) => bank.received.some((m) => String(m['0']).startsWith('04') && Number(m['11']) === s)), { what: 'the reversal of each request whose outcome is unknown', timeoutMs: 20_000, intervalMs: 50 });
  for (const m of bank.received.filter((r) => String(r['0']).startsWith('04'))) {
    sinks.push({ name: `reversal sent to the bank (STAN ${String(m['11'])})`, text: JSON.stringify(m), allowed: REVERSAL_JOURNAL });
  }
  gw.process.kill('SIGTERM');
  await exitWithin(gw.process, 20_000, 'gateway stop');
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, /476173\*{6}0010/, 'the trace names the card masked');
  sinks.push({ name: 'log file', text: log, allowed: {} }, { name: 'stdout', text: gw.process.stdout(), allowed: {} }, { name: 'stderr', text: gw.process.stderr(), allowed: {} });
  sinks.push(...folderSinks(journal, 'journal'));
  assertSinks(sinks);
});
