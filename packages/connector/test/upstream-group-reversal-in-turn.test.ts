// A reversal whose original the group knows nowhere (a restart, another node without a shared store, or older than the
// store keeps) went to the first upstream: a bank that never had the purchase answers 25 (original not found) and the
// bank that approved it keeps the debit. It now goes to each upstream in turn while the answer is "not found": the
// bank that has the original reverses it. An upstream down on the way may be that bank: the reversal is then answered
// 91 (sent again later), never ended by the others' 25 (the first down: 91 at once, as before). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer, PeerHandler } from './peer.js';
import { groupEvent, peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

/** A bank: approves a purchase; a reversal of one it approved (field 90's STAN) gets 00, of any other 25. */
function bank(): PeerHandler {
  const approved = new Set<string>();
  return (r, p) => {
    const m = r.message;
    if (m['0'] === '0200') approved.add(String(m['11']));
    const original = typeof m['90'] === 'string' ? m['90'].slice(4, 10) : String(m['11']);
    p.send(r.socket, answer(m, m['0'] === '0400' && !approved.has(original) ? { '39': '25' } : {}));
  };
}

/** The terminal's reversal of `original`: its own STAN, the original's in field 90. */
function reversalOf(original: IsoMessage): IsoMessage {
  const { '35': _track, ...fields } = original;
  void _track;
  return { ...fields, '0': '0400', '11': '777001', '90': `0200${String(original['11'])}${String(original['7'])}0000012345600000000000` };
}

const mtis = (peer: Peer): string[] => peer.received.map((r) => String(r.message['0']));

test('a reversal of an original known nowhere goes to each upstream in turn until one does not answer 25', async (t) => {
  const u1 = await peerFor(t, bank());
  const u2 = await peerFor(t, bank());
  const before = await startGroup(t, { strategy: 'failover', upstreams: [upstream('u2', u2), upstream('u1', u1)] }, () => [u1, u2]);
  const original = purchase('064001', 'TERMTRN1');
  assert.equal((await before.request(original))['39'], '00', 'approved by u2');
  // A restart (or another node): a group that remembers nothing, u1 first.
  const after = await startGroup(t, { strategy: 'failover', upstreams: [upstream('u1', u1), upstream('u2', u2)] }, () => [u1, u2]);
  const reply = await after.request(reversalOf(original));
  assert.equal(reply['39'], '00', 'reversed by the bank that approved the purchase');
  assert.deepEqual([mtis(u1), mtis(u2)], [['0400'], ['0200', '0400']], 'u1 answered 25, then u2 reversed it');
});

test('a reversal no upstream knows is answered with the last "not found"; the next upstream down stops the turn (91, sent again later)', async (t) => {
  const u1 = await peerFor(t, bank());
  const u2 = await peerFor(t, bank());
  const group = await startGroup(t, { strategy: 'failover', upstreams: [upstream('u1', u1), upstream('u2', u2)] }, () => [u1, u2]);
  const reply = await group.request(reversalOf(purchase('064002', 'TERMTRN2')));
  assert.equal(reply['39'], '25', 'no bank had it: nothing to undo');
  assert.deepEqual([mtis(u1), mtis(u2)], [['0400'], ['0400']]);
  const gone = groupEvent(group, 'down', 'u2');
  await u2.close();
  await gone;
  const refused = await failure(group.request(reversalOf(purchase('064003', 'TERMTRN2'))));
  assert.equal(refused.code, 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN', 'u2 may have the original: the 25 of u1 does not end it');
  assert.deepEqual(mtis(u1), ['0400', '0400']);
});
