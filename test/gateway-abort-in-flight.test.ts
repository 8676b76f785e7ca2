/**
 * An aborted stop of the real `iso8583 gateway` (a second SIGTERM) with work in flight on a pipelined HTTP connection:
 * a purchase still at the bank, and behind it a purchase the bank approved whose answer waits for the first one's to
 * be written. The abort cuts the connection: the approval never reaches its client, so it is reversed (its reversal
 * stored before the link is destroyed: it was refused and the approval was NOT reversed), the purchase at the bank
 * stays in the journal to be reversed, and the abort's last line counts both; the next start sends both reversals.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHttp, waitUntil } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-abort-in-flight-'));
let bank: ScriptedBank | undefined;

after(async () => {
  await stopAll();
  await bank?.close();
  rmSync(work, { recursive: true, force: true });
});

test('an abort with an approval waiting behind a purchase at the bank: both reversed, both counted, both sent by the next start', async () => {
  // Purchases wait for the test; everything else (sign-on, echo, reversals) is approved at once.
  const held = new Map<string, { request: IsoMessage; write: (reply: IsoMessage) => void }>();
  let answering = false;
  const host = (bank = await startBank(approve));
  host.onRequest((request, write) => {
    if (request['0'] !== '0200' || answering) write(approve(request));
    else held.set(String(request['11']), { request, write });
  });
  const journal = join(work, 'journal');
  const flags = ['--upstream', `127.0.0.1:${host.port}`, '--reversal-journal', journal, '--log-level', 'info', '--shutdown-deadline', '60000'];
  const first = await startGateway(flags);
  const base = `http://${first.http.host}:${first.http.port}`;
  const approvals = async (): Promise<number> => (await (await fetch(`${base}/metrics`)).text()).split('\n')
    .filter((l) => l.startsWith('iso8583_connector_requests_total{') && l.includes('mti="0200"') && l.includes('response_code="00"'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const request = (stan: number): string => {
    const body = JSON.stringify(purchase('ABRTPIPE', stan, 900));
    return `POST / HTTP/1.1\r\nHost: ${first.http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const client = rawHttp(first.http.port, first.http.host);
  try {
    client.socket.write(request(701) + request(702));
    await host.waitFor((m) => m['0'] === '0200' && m['11'] === '000701');
    await host.waitFor((m) => m['0'] === '0200' && m['11'] === '000702');
    // The second is approved: its answer is made and waits for the first's, which the bank holds.
    const second = held.get('000702');
    assert.ok(second, 'the bank holds 000702');
    second.write({ ...approve(second.request), 38: 'A70200', 39: '00' });
    await waitUntil(async () => (await approvals()) === 1, { what: 'the gateway to have the second approval' });
    first.process.kill('SIGTERM');
    await first.process.waitForLine(/SIGTERM: stopping/);
    first.process.kill('SIGTERM');
    assert.equal((await exitWithin(first.process, 10_000, 'the gateway after a second SIGTERM')).code, 1);
  } finally {
    client.socket.destroy();
  }
  const log = first.process.stderr();
  const reversed = logLine(log, 'an approval could not be delivered (the client has gone)');
  assert.equal(reversed.stan, '000702');
  assert.equal(reversed.msg, 'an approval could not be delivered (the client has gone): reversed');
  const aborted = logLine(log, 'gateway aborted');
  assert.deepEqual(aborted.safLeft, { reversals: 2, advices: 0 }, 'the purchase at the bank and the approval never delivered');
  assert.equal(aborted.reversalsPending, 2);

  // What the line promised: the next start reverses both.
  answering = true;
  const seen = host.received.length;
  const next = await startGateway(flags);
  for (const stan of ['000701', '000702']) {
    await host.waitFor((m, i) => i >= seen && String(m['0']).startsWith('040') && m['11'] === stan);
  }
  next.process.kill('SIGTERM');
  assert.equal((await exitWithin(next.process, 30_000, 'the next gateway stopping')).code, 0);
  assert.doesNotMatch(log + next.process.stderr(), /4111111111111111/);
});
