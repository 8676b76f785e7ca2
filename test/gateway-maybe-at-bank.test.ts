/**
 * The gateway's own answer to a terminal says whether the request may have reached the bank: a request written to
 * the bank whose answer does not decode, or whose connection the bank closes after reading it, is reversed by the
 * connector, as after a timeout, and the terminal is told 68 (response received too late), never 91 (issuer or
 * switch inoperative: "not sent"), on which a terminal may send the purchase again as new.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';
import { PosClient } from './helpers/pos.js';
import { packed, startRawBank } from './helpers/raw-bank.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-maybe-at-bank-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

function purchase(terminal: string, stan: number): Record<string, string | number> {
  return { '0': '0200', '2': '4111111111111111', '3': '000000', '4': 2500, '7': '1121103000', '11': stan, '41': terminal, '49': '840' };
}

function gatewayArgs(port: number, journal: string): string[] {
  return ['--upstream', `127.0.0.1:${port}`, '--request-timeout', '20000', '--reversal-journal', join(work, journal), '--log-level', 'error'];
}

describe('iso8583 gateway: a request that reached the bank and failed there is answered 68 and reversed', () => {
  test('the bank answers bytes that do not decode (its key readable): the terminal gets 68, the bank gets the 0400', async (t) => {
    let reversed: (m: IsoMessage) => void = () => undefined;
    const reversal = eventWithin<IsoMessage>(30_000, 'the bank received no reversal (0400) of the undecodable answer within 30 s', (resolve) => (reversed = resolve));
    const bank = await startRawBank((request) => {
      const mti = String(request['0']);
      if (mti === '0200') {
        // Field 4 of the answer is not digits: the answer matches its request (MTI, 11, 41) and does not decode.
        const answer = { ...approve(request), '0': '0210' };
        return Buffer.from(packed(answer).toString('latin1').replace('000000002500', '00000000ABCD'), 'latin1');
      }
      if (mti.startsWith('040')) reversed(request);
      return { ...approve(request), '0': responseMti(mti) ?? mti };
    });
    t.after(() => bank.close());
    const gw = await startGateway(gatewayArgs(bank.port, 'journal-bad'));
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answer = await client.request(purchase('BADANSW1', 301));
    assert.equal(answer['39'], '68', 'written, answered with bytes that do not decode: the outcome is unknown, so 68 (it is reversed), not 91');
    assert.equal(answer['11'], '000301');
    const atBank = await reversal;
    assert.equal(atBank['11'], '000301', 'the reversal names the purchase');
    assert.equal(String(atBank['90']).slice(0, 10), '0200000301', 'field 90: the original MTI and STAN');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });

  test('the bank closes the connection after reading the purchase: the terminal gets 68, the bank gets the 0400 on the next connection', async (t) => {
    const bank: ScriptedBank = await startBank((request) => {
      if (request['0'] === '0200') {
        // Read, then the connection is cut under the request waiting for its answer.
        setImmediate(() => bank.drop());
        return undefined;
      }
      return approve(request);
    });
    t.after(() => bank.close());
    const gw = await startGateway(gatewayArgs(bank.port, 'journal-closed'));
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answer = await client.request(purchase('CLOSED01', 302));
    assert.equal(answer['39'], '68', 'written, and the connection lost while it waited: the outcome is unknown, so 68 (it is reversed), not 91');
    const atBank = await bank.waitFor((m) => String(m['0']).startsWith('040') && m['11'] === '000302');
    assert.equal(String(atBank['90']).slice(0, 10), '0200000302', 'field 90: the original MTI and STAN');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});
