// The host's byte copy of an EARLIER late approval (taken as the late answer of a request under the same key before
// the current request timed out) is the host's duplicate, not the late answer of the request that timed out since
// (sr64m #1): late-keys.ts `lateAnswer` counts a late answer or approval taken (`took`) as a copy when the answers ring
// wrote it before every request still due under the key timed out. A genuine late approval taken after they timed out
// (a host stamping its own field 7: late-keys-host-time.test.ts) is still a late answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { LateKeys, isSent } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

const P = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '005966', terminal: 'TERM0023' };
/** A late approval without 37 or 38, its field 7 `seven`. */
const approval = (seven: string): IsoMessage => ({ '0': '0210', '7': seven, '11': '005966', '41': 'TERM0023', '4': '000000001000', '39': '00' });

for (const [host, seven] of [
  ['echoing the request\'s field 7', '1206060000'],
  ['stamping its own time in field 7', '1206069999'],
] as const) {
  test(`late keys – a host ${host}: the copy of request A's late approval is no late answer of request B timed out after it`, () => {
    const late = new LateKeys(getDialect('iso87ascii'));
    late.timedOut('k', '1206060000', P);
    assert.ok(isSent(late.lateAnswer('k', approval(seven))), 'A\'s late approval is its late answer');
    late.took('k', approval(seven), true);
    late.timedOut('k', '1206060100', P);
    assert.equal(late.lateAnswer('k', approval(seven)), 'copy', 'the host\'s copy of A\'s approval is a copy');
    assert.ok(late.has('k'), 'B\'s key is kept for its own late answer');
    assert.ok(isSent(late.lateAnswer('k', approval('1206060100'))), 'B\'s own late answer is its late answer');
  });
}

test('the host\'s copy of an earlier late approval is no late answer of a purchase timed out since, end to end: counted once', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  let seen: () => void = () => undefined;
  connector.on('late-response', (m) => (late.push(m), seen()));
  connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  /** Resolves once `n` answers from the bank were reported (late or unsolicited). */
  const reported = (n: number, what: string): Promise<void> =>
    eventWithin(10_000, what, (resolve) => {
      seen = () => {
        if (late.length + unsolicited.length >= n) resolve(undefined);
      };
      seen();
    });
  await assert.rejects(connector.request({ ...purchase('005966', 'TERM0023'), '7': '1206060000' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [a] = (await peer.waitFor(1)) as [Received];
  const x = answer(a.message); // A's approval, echoing A's field 7
  peer.send(a.socket, x);
  await reported(1, 'A\'s late approval to be taken');
  assert.equal(late.length, 1, 'A\'s approval is its late answer');
  await assert.rejects(connector.request({ ...purchase('005966', 'TERM0023'), '7': '1206060100' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [, b] = (await peer.waitFor(2)) as [Received, Received];
  peer.send(b.socket, x); // the host's byte copy of A's approval
  await reported(2, 'the copy of A\'s approval to be taken');
  assert.equal(late.length, 1, 'the copy of A\'s approval is not B\'s late answer');
  assert.equal(unsolicited.length, 1, 'the copy is reported unsolicited');
  assert.equal(connector.stats().amounts.secured, 1000, 'A\'s approval counted once');
  peer.send(b.socket, answer(b.message)); // B's own late approval
  await reported(3, 'B\'s late approval to be taken');
  assert.equal(late.length, 2, 'B\'s own approval is its late answer');
  assert.equal(connector.stats().amounts.secured, 2000, 'each purchase\'s approval counted once');
});
