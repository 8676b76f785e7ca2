/**
 * ISO 8583:1993 end to end through the real `iso8583` binary: the gateway signs on with 1804 (function code 801) in
 * front of `iso8583 simulate-host --dialect iso93ascii`, a POS purchase (1200) is approved with action code 000 and
 * reversed by the terminal (1420, field 56); and a purchase the bank leaves unanswered is reversed by the gateway as
 * 1420 with field 56 (original data elements), not field 90.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { responseMti } from '@iso8583/codec';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { Pos93, purchase93, startBank93 } from './helpers/peer93.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-iso93-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway with an ISO 8583:1993 dialect', () => {
  test('simulate-host --dialect iso93ascii: sign-on 1804/801 accepted, a 1200 purchase approved (000), a 1420 reversal accepted (400)', async () => {
    const bank = await startSimulator(['--dialect', 'iso93ascii']);
    const gw = await startGateway([
      '--dialect', 'iso93ascii', '--sign-on',
      '--upstream', `${bank.host}:${bank.port}`,
      '--reversal-journal', join(work, 'journal-sim'),
      '--log-level', 'error',
    ]);
    const pos = await Pos93.open(gw.pos.host, gw.pos.port);
    const answer = await pos.request(purchase93('POS93001', 1, 1500));
    assert.equal(answer['0'], '1210');
    assert.equal(answer['39'], '000', 'approved: the 1993 action code');
    assert.match(String(answer['38']), /^\d{6}$/, 'an approval code');
    assert.equal(answer['11'], '000001');

    const reversal = await pos.request({
      '0': '1420', '2': '4111111111111111', '3': '000000', '4': 1500, '11': 2, '24': '400', '41': 'POS93001',
      '56': '1200000001261130193000' + '06123456',
    });
    assert.equal(reversal['0'], '1430');
    assert.equal(reversal['39'], '400', 'the reversal found its original by field 56 and was accepted');
    const unknown = await pos.request({ '0': '1420', '3': '000000', '4': 1500, '11': 3, '41': 'POS93001', '56': '1200999999261130193000' });
    assert.equal(unknown['39'], '914', 'no original with that STAN: cannot be traced');
    await pos.close();
  });

  test('a 1200 the bank does not answer in time is answered 911 and reversed as 1420 with field 56, 24 = 400, 25 = 4021', async () => {
    const bank = await startBank93((request) => {
      const mti = String(request['0']);
      const reply = (code: string): IsoMessage => {
        const out: IsoMessage = { '0': responseMti(mti) ?? mti, '39': code };
        for (const id of ['4', '11', '24', '41', '56']) if (typeof request[id] === 'string') out[id] = request[id];
        return out;
      };
      if (mti === '1804') return reply('800');
      if (mti === '1200') return undefined; // the outcome stays unknown
      if (mti === '1420' || mti === '1421') return reply('400');
      return reply('902');
    });
    const gw = await startGateway([
      '--dialect', 'iso93ascii', '--sign-on',
      '--upstream', `127.0.0.1:${bank.port}`,
      '--request-timeout', '400',
      '--reversal-journal', join(work, 'journal-timeout'),
      '--log-level', 'error',
    ]);
    const signOn = await bank.waitFor((m) => m['0'] === '1804', 'the 1804 sign-on');
    assert.equal(signOn['24'], '801', 'sign-on: function code 801');
    assert.equal(signOn['70'], undefined, 'no 1987 network management code');

    const pos = await Pos93.open(gw.pos.host, gw.pos.port);
    const answer = await pos.request(purchase93('POS93002', 41, 2500));
    assert.equal(answer['0'], '1210');
    assert.equal(answer['39'], '911', 'card issuer timed out: the 1993 action code');

    const reversal = await bank.waitFor((m) => m['0'] === '1420', 'the 1420 reversal');
    assert.equal(reversal['11'], '000041');
    assert.equal(reversal['4'], '000000002500');
    assert.equal(reversal['56'], '1200' + '000041' + '261130193000' + '06' + '123456', 'original MTI, STAN, local date and time, acquirer');
    assert.equal(reversal['24'], '400', 'function code: full reversal');
    assert.equal(reversal['25'], '4021', 'reason: timeout waiting for the response');
    assert.equal(reversal['90'], undefined, 'field 90 is not the original data elements in 1993');
    assert.equal(reversal['35'], undefined, 'no track data in a reversal');
    await pos.close();
    await bank.close();
  });
});
