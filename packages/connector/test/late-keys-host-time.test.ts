// A host that stamps its own time in field 7 (docs/connector.md: its answers are never discarded): two requests under
// one key time out, and their late approvals (same amount, no 37 or 38) come in the same second of host time. The
// first one taken (late-keys.ts `took`) is in the answers ring under its own field 7; the second is that request's own
// late answer all the same, not the host's copy of an answer in time (answered-ring.ts `copyOf`, in time only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LateKeys, isSent } from '../src/late-keys.js';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

const P = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '005965', terminal: 'TERM0022' };
/** A late approval stamped with the host's time (no request's field 7), without 37 or 38. */
const approval = { '0': '0210', '7': '1206059999', '11': '005965', '41': 'TERM0022', '4': '000000001000', '39': '00' };

test('late keys – two late approvals with the host\'s own field 7 in one second are both late answers, the second no copy', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  late.timedOut('k', '1206050000', P);
  late.timedOut('k', '1206050100', P);
  assert.ok(isSent(late.lateAnswer('k', approval)), 'the first late approval is a late answer');
  late.took('k', approval, true);
  const second = late.lateAnswer('k', { ...approval });
  assert.ok(isSent(second), `the second late approval is the other request's late answer (got ${String(second)})`);
  assert.equal(late.has('k'), false, 'both late answers came: the key is forgotten');
});

test('late keys – the copy of an answer in time under the key (its request\'s field 7) is still a copy', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  late.timedOut('k', '1206050000', P);
  late.answered('k', '1206050200', { ...approval, '7': '1206050200' }, { stan: '005965', terminal: 'TERM0099' });
  assert.equal(late.lateAnswer('k', { ...approval, '7': '1206050200' }), 'copy');
  assert.ok(late.has('k'), 'the timed-out request\'s key is kept for its own late answer');
});

test('late keys – a host seen stamping its own time: a late approval whose stamp equals its request\'s field 7 echoes nothing, and the genuine late approval of a request timed out since in that stamp is no copy (sr65i #2)', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  // An answer in time with the host's own time (not its request's field 7): the host stamps, it does not echo.
  late.answered('k0', '1206050000', { ...approval, '7': '1206050003' }, { stan: '005965', terminal: 'TERM0022' });
  late.timedOut('k', '1206051000', P); // A, with a timeout under 1 s
  const a = { ...approval, '7': '1206051000' }; // A's late approval stamped by the host in A's second
  const sent = late.lateAnswer('k', a);
  assert.ok(isSent(sent));
  late.took('k', a, true, sent);
  late.timedOut('k', '1206051001', P); // B, sent in the next second by this clock
  const b = late.lateAnswer('k', { ...a }); // B's genuine approval, stamped by a host clock a little behind: A's second
  assert.ok(isSent(b), `B's genuine late approval is B's, not a copy of A's (got ${String(b)})`);
  assert.equal(b.echo7, '1206051001');
});

test('two late approvals stamped with the host\'s time in one second are the two purchases\' answers end to end, a third the copy', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  const all = eventWithin(10_000, 'three answers from the bank to be taken', (resolve) => {
    const seen = (): void => {
      if (late.length + unsolicited.length === 3) resolve(undefined);
    };
    connector.on('late-response', (m) => (late.push(m), seen()));
    connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  });
  await assert.rejects(connector.request({ ...purchase('005965', 'TERM0022'), '7': '1206050000' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('005965', 'TERM0022'), '7': '1206050100' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [first] = (await peer.waitFor(2)) as [Received, Received];
  const stamped = answer(first.message);
  stamped['7'] = '1206059999'; // the host's own time, no request's
  delete stamped['37'];
  delete stamped['38'];
  peer.send(first.socket, stamped);
  peer.send(first.socket, stamped); // the other purchase's, in the same second of host time
  peer.send(first.socket, stamped); // the host's copy: no purchase under the key is due any more
  await all;
  assert.equal(late.length, 2, 'each purchase\'s answer late, once');
  assert.equal(unsolicited.length, 1, 'the third is the host\'s copy');
  // Each approval is one purchase's booking: a late answer whose field 7 names no transmission counts on the oldest
  // record of its transaction not counted yet (money-repeats.ts), the copy nowhere.
  assert.equal(connector.stats().amounts.secured, 2000, 'both purchases\' approvals counted, the copy not');
});

test('late keys – a host stamping its own time in its echo test answers (0810) only: its 0210s keep the copy check (sr66f #1)', () => {
  const late = new LateKeys(getDialect('iso87ascii'));
  // An echo test answered in time with the host's own time: says nothing of its 0210s, which echo field 7.
  late.answered('n0', '1206050000', { '0': '0810', '7': '1206050003', '11': '000001', '39': '00', '70': '301' }, { stan: '000001', terminal: '' });
  late.timedOut('k', '1206051000', P); // A
  const a = { ...approval, '7': '1206051000' }; // A's late approval, echoing A's field 7
  const sent = late.lateAnswer('k', a);
  assert.ok(isSent(sent));
  late.took('k', a, true, sent);
  late.timedOut('k', '1206052000', P); // B, later, under the same key
  assert.equal(late.lateAnswer('k', { ...a }), 'copy', 'the host\'s copy of A\'s late approval is no answer of B');
});
