/**
 * How many requests the gateway's upstream link takes at once. The connector's own default (1000 in flight) answered
 * 91 to about 1% of purchases at half the gateway's peak rate, whenever a slower moment (the machine's other load, a
 * collector pause, a slow journal write) held more than 1000 in flight for a moment. The link now accepts whatever the
 * POS listener admits (64 per connection, reading paused beyond), each request bounded in time by its own timeout; and
 * with `--max-in-flight N` the request beyond N is answered 91 by the gateway and never sent to the bank.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-in-flight-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A bank that holds every request until `release`, then answers them all 00. */
async function holdingBank(): Promise<{ port: number; received: IsoMessage[]; waitFor: (n: number) => Promise<unknown>; release: () => void; close: () => Promise<void> }> {
  const bank = await startBank(() => undefined);
  const held: Array<() => void> = [];
  let released = false;
  bank.onRequest((request, write) => {
    if (released) write(approve(request));
    else held.push(() => write(approve(request)));
  });
  return {
    port: bank.port,
    received: bank.received,
    waitFor: (n) => bank.waitFor((_, i) => i === n - 1),
    release: () => {
      released = true;
      for (const answer of held.splice(0)) answer();
    },
    close: () => bank.close(),
  };
}

describe('iso8583 gateway: requests in flight on the upstream link', () => {
  test('1,100 purchases at the bank at once (past the connector\'s 1000) are all relayed and answered by the bank, none 91', async () => {
    const bank = await holdingBank();
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'many'), '--log-level', 'warn']);
    // 20 terminals x 55 in flight: under the POS listener's 64 a connection.
    const clients = await Promise.all(Array.from({ length: 20 }, () => PosClient.open(gw.pos.host, gw.pos.port)));
    let early: IsoMessage | undefined;
    let sawEarly: (m: IsoMessage) => void = () => undefined;
    const earlyAnswer = new Promise<IsoMessage>((resolve) => (sawEarly = resolve));
    const answers = clients.flatMap((client, c) =>
      Array.from({ length: 55 }, (_, i) =>
        client.request(purchase(`INFL${String(c).padStart(4, '0')}`, i + 1, 100)).then((answer) => {
          // The bank answers nothing before it holds all 1,100: an answer now is the gateway's own.
          if (bank.received.length < 1_100 && early === undefined) {
            early = answer;
            sawEarly(answer);
          }
          return answer;
        }),
      ),
    );
    const first = await Promise.race([bank.waitFor(1_100).then(() => undefined), earlyAnswer]);
    assert.equal(first, undefined, `a purchase was answered ${String(first?.['39'])} by the gateway while ${bank.received.length} were at the bank: ${gw.process.stderr().slice(-600)}`);
    bank.release();
    const all = await Promise.all(answers);
    assert.deepEqual([...new Set(all.map((a) => a['39']))], ['00']);
    assert.equal(bank.received.length, 1_100);
    assert.doesNotMatch(gw.process.stderr(), /IN_FLIGHT_LIMIT/);
    await Promise.all(clients.map((c) => c.close()));
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('--max-in-flight 2: the third purchase in flight is answered 91 by the gateway and never sent; the first two get the bank\'s answers', async () => {
    const bank = await holdingBank();
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'two'), '--max-in-flight', '2', '--log-level', 'warn']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const one = client.request(purchase('INFL0001', 1, 100));
    const two = client.request(purchase('INFL0001', 2, 100));
    await bank.waitFor(2);
    const third = await client.request(purchase('INFL0001', 3, 100));
    assert.equal(third['39'], '91');
    assert.equal(third['0'], '0210');
    const line = logLine(gw.process.stderr(), 'answered by the gateway');
    assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT');
    assert.equal(line.responseCode, '91');
    bank.release();
    assert.equal((await one)['39'], '00');
    assert.equal((await two)['39'], '00');
    // Room again: the next one goes to the bank.
    assert.equal((await client.request(purchase('INFL0001', 4, 100)))['39'], '00');
    assert.deepEqual(bank.received.map((m) => m['11']), ['000001', '000002', '000004'], 'the refused purchase never reached the bank');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });
});
