// The host's byte copy of an UNSOLICITED approval (an answer that matched no request) that comes after a later request
// under the same match key timed out is the host's duplicate, not that request's late answer (sr65i #1): the answers
// ring keeps such an answer as `Taken.Unsolicited`, with its transaction's identity (STAN, terminal, acquirer, card:
// transactions-in-flight.ts `transactionIdentity`) in its mark, and late-keys.ts `lateAnswer` counts it a copy when it
// was written before every request still due under the key timed out. The request's own late answer is still its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { LateKeys, isSent } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { lateReports } from './helpers/late-reports.js';

const P = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '005967', terminal: 'TERM0024' };
/** An approval under P's key, its field 7 `seven`, test card `card`, without 37 or 38. */
const approval = (seven: string, card = '4111111111111111'): IsoMessage => ({ '0': '0210', '2': card, '7': seven, '11': '005967', '41': 'TERM0024', '32': '123456', '4': '000000001000', '39': '00' });

/** Takes `u`, under key `k`, as channel.ts takes an answer no request waits for and no timed-out key names. */
function takeUnsolicited(late: LateKeys, u: IsoMessage): void {
  assert.equal(late.lateAnswer('k', u), undefined, 'no request timed out under the key: no late answer');
  assert.equal(late.copyOfAnswer('k', u), undefined, 'no copy of anything');
  late.took('k', u, false);
}

test('late keys – the copy of an unsolicited approval is no late answer of a request timed out since; that request\'s own late answer is', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  const u = approval('1207070000');
  takeUnsolicited(late, u);
  late.timedOut('k', '1207070100', P);
  assert.equal(late.lateAnswer('k', { ...u }), 'unsolicited-copy', 'the host\'s copy of the unsolicited approval is a copy (of an unsolicited one: fix67a #1)');
  assert.ok(late.has('k'), 'the timed-out request\'s key is kept for its own late answer');
  const own = late.lateAnswer('k', approval('1207070100'));
  assert.ok(isSent(own), 'the request\'s own late answer is its late answer');
  assert.equal(own.echo7, '1207070100');
});

test('late keys – a copy of an unsolicited answer only is told apart from a copy of an answer matched to a request (fix67a #1)', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  const u = approval('1207070000');
  takeUnsolicited(late, u);
  assert.equal(late.copyOfAnswer('k', { ...u }), 'unsolicited-copy', 'no request ties it to a booking: looked up, never counted');
  const both = new LateKeys(getDialect('iso87ascii'));
  both.answered('k', '1207070000', u, { stan: '005967', terminal: 'TERM0024' }); // matched in time to its request first
  both.took('k', { ...u }, false); // then the same again, taken as unsolicited (the newer place)
  assert.equal(both.copyOfAnswer('k', { ...u }), 'copy', 'a copy of an answer matched to a request is that, whatever newer place is unsolicited');
});

test('late keys – an approval like an unsolicited one but of another card (the host\'s time in field 7) is the timed-out request\'s late answer', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  const u = approval('1207079999');
  takeUnsolicited(late, u);
  late.timedOut('k', '1207070100', P);
  const other = late.lateAnswer('k', approval('1207079999', '5500000000000004'));
  assert.ok(isSent(other), `another card's approval is no copy of the unsolicited one (got ${String(other)})`);
});

test('late keys – a late answer taken with the host\'s time stays no copy for a request timed out since (sr65e #1 kept)', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  late.timedOut('k', '1207070000', P);
  const a = approval('1207079999');
  const sent = late.lateAnswer('k', a);
  assert.ok(isSent(sent));
  late.took('k', a, true, sent);
  late.timedOut('k', '1207070100', P);
  assert.ok(isSent(late.lateAnswer('k', { ...a })), 'B\'s genuine approval in A\'s second is B\'s');
});

test('the host\'s copy of an unsolicited approval after a purchase under its key timed out is no late answer of it, end to end: counted once', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const { late, unsolicited, reported } = lateReports(connector);
  const [socket] = [...peer.sockets];
  assert.ok(socket !== undefined, 'the connector is connected');
  const u = answer({ ...purchase('005967', 'TERM0024'), '7': '1207070000' }, { '37': '000000000777', '38': 'U00777' });
  peer.send(socket, u); // an approval no request of this connector waits for
  await reported(1, 'the unsolicited approval');
  assert.equal(unsolicited.length, 1);
  await assert.rejects(connector.request({ ...purchase('005967', 'TERM0024'), '7': '1207070100' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [r] = (await peer.waitFor(1)) as [Received];
  peer.send(r.socket, u); // the host's byte copy of the unsolicited approval
  await reported(2, 'the copy of the unsolicited approval');
  assert.equal(late.length, 0, 'the copy is no late answer of the purchase timed out since');
  assert.equal(unsolicited.length, 2, 'the copy is reported unsolicited');
  assert.equal(connector.stats().amounts.secured, 0, 'the copy secures nothing of the purchase');
  peer.send(r.socket, answer(r.message, { '37': '000000000778', '38': 'R00778' })); // the purchase's own late approval
  await reported(3, 'the purchase\'s late approval');
  assert.equal(late.length, 1, 'the purchase\'s own approval is its late answer');
  assert.equal(connector.stats().amounts.secured, 1000, 'the purchase\'s approval counted once');
});
