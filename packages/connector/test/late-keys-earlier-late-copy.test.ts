// The host's byte copy of an EARLIER late approval (taken as the late answer of a request under the same key before
// the current request timed out) is the host's duplicate, not the late answer of the request that timed out since
// (sr64m #1): late-keys.ts `lateAnswer` counts a late answer taken (`took`) echoing its own request's field 7 as a copy
// when the answers ring wrote it before every request still due under the key timed out. One whose field 7 was the
// host's own (its time) never makes a later identical answer a copy (sr65e #1): request B's genuine late approval,
// stamped in the same second as A's, is B's, not a copy (the known limit: the host's byte copy of A's is B's too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { LateKeys, isSent } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { lateReports } from './helpers/late-reports.js';

const P = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '005966', terminal: 'TERM0023' };
/** A late approval without 37 or 38, its field 7 `seven`. */
const approval = (seven: string): IsoMessage => ({ '0': '0210', '7': seven, '11': '005966', '41': 'TERM0023', '4': '000000001000', '39': '00' });

/** Takes request A's late approval `a` as channel.ts does: its late answer (what A sent), then `took`. */
function takeA(late: LateKeys, a: IsoMessage): void {
  const sent = late.lateAnswer('k', a);
  assert.ok(isSent(sent), 'A\'s late approval is its late answer');
  late.took('k', a, true, sent);
}

test('late keys – a host echoing the request\'s field 7: the copy of request A\'s late approval is no late answer of request B timed out after it', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  late.timedOut('k', '1206060000', P);
  takeA(late, approval('1206060000'));
  late.timedOut('k', '1206060100', P);
  assert.equal(late.lateAnswer('k', approval('1206060000')), 'copy', 'the host\'s copy of A\'s approval is a copy');
  assert.ok(late.has('k'), 'B\'s key is kept for its own late answer');
  assert.ok(isSent(late.lateAnswer('k', approval('1206060100'))), 'B\'s own late answer is its late answer');
});

test('late keys – a host stamping its own time in field 7: B\'s genuine late approval in A\'s second, after B timed out, is B\'s late answer, no copy (sr65e #1)', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  late.timedOut('k', '1206060000', P);
  takeA(late, approval('1206069999'));
  assert.equal(late.has('k'), false, 'A\'s late answer came: its key is forgotten');
  late.timedOut('k', '1206060100', P);
  const b = late.lateAnswer('k', approval('1206069999'));
  assert.ok(isSent(b), `B's approval, stamped in the same second, is B's late answer (got ${String(b)})`);
  assert.equal(b.echo7, '1206060100', 'tied to B');
  assert.equal(late.has('k'), false, 'B\'s late answer came: its key is forgotten');
});

test('the host\'s copy of an earlier late approval is no late answer of a purchase timed out since, end to end: counted once', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const { late, unsolicited, reported } = lateReports(connector);
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

test('a host stamping its own time: B\'s genuine late approval in the second of A\'s, after B timed out, is B\'s late answer end to end, counted (sr65e #1)', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const { late, unsolicited, reported } = lateReports(connector);
  await assert.rejects(connector.request({ ...purchase('005966', 'TERM0023'), '7': '1206060000' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [a] = (await peer.waitFor(1)) as [Received];
  const stamped = answer(a.message);
  stamped['7'] = '1206069999'; // the host's own time, no request's
  delete stamped['37'];
  delete stamped['38'];
  peer.send(a.socket, stamped); // A's late approval
  await reported(1, 'A\'s late approval to be taken');
  await assert.rejects(connector.request({ ...purchase('005966', 'TERM0023'), '7': '1206060100' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [, b] = (await peer.waitFor(2)) as [Received, Received];
  peer.send(b.socket, stamped); // B's genuine late approval, stamped in the same second, same amount
  await reported(2, 'B\'s late approval to be taken');
  assert.equal(late.length, 2, 'B\'s approval is its late answer, not a copy of A\'s');
  assert.equal(unsolicited.length, 0);
  assert.equal(connector.stats().amounts.secured, 2000, 'each purchase\'s approval counted once');
});
