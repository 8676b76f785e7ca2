/**
 * The answers the gateway gives POS clients itself when the bank cannot: the response MTI is the codec's one rule
 * (jPOS setResponseMTI), so a repeat reversal (0401) is answered 0410, the MTI a terminal waits for.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, stopAll } from './helpers/cli.js';
import { startBank } from './helpers/bank.js';
import { PosClient } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-own-answers-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway answering by itself', () => {
  test('a repeat reversal (0401) the bank does not answer in time gets 0410 with response code 68, not 0411', async () => {
    // The bank receives everything and answers nothing.
    const bank = await startBank(() => undefined);
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--request-timeout', '300',
      '--no-reversal',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'error',
    ]);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answer = await client.request({
      '0': '0401',
      '2': '4111111111111111',
      '3': '000000',
      '4': 2500,
      '7': '1121103000',
      '11': 77,
      '41': 'REPEAT01',
      '49': '840',
      '90': '020000007611211030000000000000000000000000',
    });
    const atBank = await bank.waitFor((m) => m['0'] === '0401');
    assert.equal(atBank['11'], '000077', 'the repeat went to the bank');
    assert.equal(answer['0'], '0410', 'the answer to a repeat carries the original response MTI');
    assert.equal(answer['39'], '68');
    assert.equal(answer['11'], '000077');
    assert.equal(answer['41'], 'REPEAT01');
    assert.equal(answer['2'], undefined, 'the PAN is not echoed');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });
});
