/**
 * `--terminal-queue`: an HTTP request's `?timeout=` bounds its wait behind its terminal's other request too, not only
 * `--request-timeout`: a client that gives up after its `?timeout=` (and may send the purchase again) is answered 504
 * `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT` then, never sent to the bank, never approved later. The real `iso8583 gateway`
 * and a real bank, which holds the first purchase until the second is answered (no timing).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';

after(async () => {
  await stopAll();
});

test('gateway --terminal-queue: a POST with ?timeout=500 behind its terminal\'s purchase held at the bank is answered 504 at its timeout, never sent', async () => {
  const bank = await startBank(() => undefined);
  const held: (() => void)[] = [];
  bank.onRequest((req: IsoMessage, write) => {
    if (req['0'] === '0200') held.push(() => write(approve(req)));
    else write(approve(req));
  });
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--request-timeout', '30000', '--terminal-queue', '--no-reversal', '--log-level', 'warn']);
  const post = (query: string, stan: string): Promise<Response> =>
    fetch(`http://${gw.http.host}:${gw.http.port}/${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000000500', '7': '1205120000', '11': stan, '41': 'TERMQHT1', '49': '840' }),
    });
  const first = post('', '000001');
  await bank.waitFor((m) => m['11'] === '000001');
  const t0 = performance.now();
  const second = await post('?timeout=500', '000002');
  const waited = performance.now() - t0;
  const body = (await second.json()) as { errors: { code: string; field?: string }[] };
  assert.equal(second.status, 504);
  assert.deepEqual([body.errors[0]?.code, body.errors[0]?.field], ['ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', 'timeout']);
  assert.ok(waited >= 450, `answered after its ?timeout= (${Math.round(waited)} ms)`);
  // The bank answers the first only now: the second never reached it.
  held.shift()?.();
  assert.equal((await first).status, 200);
  assert.deepEqual(bank.received.filter((m) => m['0'] === '0200').map((m) => m['11']), ['000001']);
  gw.process.kill('SIGTERM');
  assert.equal((await exitWithin(gw.process, 30_000, 'the gateway stopping')).code, 0);
  await bank.close();
});
