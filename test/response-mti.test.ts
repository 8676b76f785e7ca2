/**
 * One response-MTI rule across the parts: the host simulator (`iso8583 simulate-host`) answers with the codec's
 * `responseMti`, and the connector waits for exactly that MTI, so a repeat reversal (0401) and an issuer-side request
 * (0202) are answered and matched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { responseMti } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { responseMti as connectorResponseMti } from '@iso8583/connector';
import { responseMti as inboundResponseMti } from '@iso8583/inbound';
import { startSimulator, stopAll } from './helpers/cli.js';

let connector: Connector;

before(async () => {
  const bank = await startSimulator();
  connector = createConnector({ name: 'bank', host: bank.host, port: bank.port, requestTimeout: 10_000 });
});

after(async () => {
  await connector.destroy();
  await stopAll();
});

describe('the response MTI, end to end', () => {
  test('the connector and inbound exports are the codec rule', () => {
    for (const mti of ['0200', '0202', '0401', '0421', '1304', '0210', '02A0']) {
      assert.equal(connectorResponseMti(mti), responseMti(mti), `connector ${mti}`);
      assert.equal(inboundResponseMti(mti), responseMti(mti), `inbound ${mti}`);
    }
  });

  test('a purchase 0200 is answered 0210 and an issuer-side 0202 is answered 0212, each matched by the connector', async () => {
    const base = { '2': '4111111111111111', '3': '000000', '4': 700, '7': '1121103000', '14': '3012', '41': 'MTITERM1', '49': '840' };
    const plain = await connector.request({ ...base, '0': '0200', '11': 301 });
    assert.deepEqual([plain['0'], plain['39']], ['0210', '00']);
    const issuer = await connector.request({ ...base, '0': '0202', '11': 302 });
    assert.equal(issuer['0'], '0212');
  });

  test('a repeat reversal 0401 is answered 0410 and matched (no timeout)', async () => {
    const base = { '2': '4111111111111111', '3': '000000', '4': 900, '7': '1121103000', '14': '3012', '41': 'MTITERM2', '49': '840' };
    await connector.request({ ...base, '0': '0200', '11': 303 });
    const repeat = await connector.request({ ...base, '0': '0401', '11': 304, '90': '020000030311211030000000000000000000000000' });
    assert.equal(repeat['0'], '0410');
    assert.equal(repeat['11'], '000304');
  });
});
