// Where an upstream group sends a retransmission (round robin, two simulators on 127.0.0.1): the repeat (0201) of an
// original whose STAN its connector filled in (`autoFill.stan`) and that got no answer, and the original sent again as
// it was (0200 again, same STAN and terminal), go to the upstream the original went to: the issuer there knows the
// transaction, another bank would approve it as new (the cardholder charged twice). Another acquirer's transaction
// that only shares the STAN and terminal id still goes by the strategy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const sent = (peer: Peer): string[] => peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}/${String(r.message['32'])}`);
const outcome = (p: Promise<unknown>): Promise<string> => p.then((m) => `answered ${String((m as IsoMessage)['39'])}`, (e: { code?: string }) => `failed ${String(e.code)}`);

test('upstream group retransmission – round robin: the 0201 of an unanswered 0200 whose STAN A filled in goes to A, never B', async (t) => {
  const a = await peerFor(t, () => undefined); // takes every request, answers none
  const b = await peerFor(t);
  const auto = { stan: true, transmissionTime: false };
  const group = await startGroup(t, {
    strategy: 'round-robin',
    upstreams: [{ ...upstream('A', a), requestTimeout: 300, autoFill: auto }, { ...upstream('B', b), autoFill: auto }],
  }, () => []);
  const { '11': _none, ...unnumbered } = purchase('000000', 'TERMRTX1');
  const err = await failure(group.request(unnumbered));
  assert.deepEqual([err.code, err.sent], ['ISO8583_ERR_CONNECTOR_TIMEOUT', 'maybe']);
  const stan = String(a.received[0]?.message['11']); // the STAN A's connector filled in, as its simulator got it
  assert.equal(await outcome(group.request({ ...purchase(stan, 'TERMRTX1'), '0': '0201' })), 'failed ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.deepEqual(sent(a), [`0200/${stan}/123456`, `0201/${stan}/123456`]);
  assert.deepEqual(sent(b), [], 'B (another bank) never gets the repeat of a transaction A may have approved');
});

test('upstream group retransmission – round robin: the 0200 sent again (answered, or timed out) goes to its original\'s upstream; another acquirer\'s goes by the strategy', async (t) => {
  const a = await peerFor(t, (r, p) => {
    if (r.message['11'] !== '059002') p.send(r.socket, answer(r.message)); // 059002 is never answered
  });
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 300 }, upstream('B', b)] }, () => []);
  assert.equal(await outcome(group.request(purchase('059001', 'TERMRTX2'))), 'answered 00'); // to A (round robin's first)
  // Sent again as it was (its answer lost on the way to the terminal): round robin would pick B.
  assert.equal(await outcome(group.request(purchase('059001', 'TERMRTX2'))), 'answered 00');
  assert.equal(await outcome(group.request(purchase('059009', 'TERMRTX2'))), 'answered 00'); // a new one: B's turn
  assert.equal(await outcome(group.request(purchase('059002', 'TERMRTX2'))), 'failed ISO8583_ERR_CONNECTOR_TIMEOUT'); // A's turn
  // Sent again after its timeout (A may have approved it): round robin would pick B.
  assert.equal(await outcome(group.request(purchase('059002', 'TERMRTX2'))), 'failed ISO8583_ERR_CONNECTOR_TIMEOUT');
  // Another acquirer's purchase under the same STAN and terminal id: another transaction, by the strategy (B's turn).
  assert.equal(await outcome(group.request({ ...purchase('059001', 'TERMRTX2'), '32': '654321' })), 'answered 00');
  assert.deepEqual(sent(a), ['0200/059001/123456', '0200/059001/123456', '0200/059002/123456', '0200/059002/123456']);
  assert.deepEqual(sent(b), ['0200/059009/123456', '0200/059001/654321'], 'B never gets a transaction A has');
});
