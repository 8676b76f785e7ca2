// Two gateway nodes (two upstream groups of the same two banks, u1 and u2) on one PostgreSQL store: what one node sent
// to a bank, the other finds through the store. A terminal's reversal, or its repeat, that reaches the node that did not
// send the original goes to the original's bank (never to the other, which would answer 25 to the reversal while the
// first keeps the debit, or approve the repeat as new: both banks debit); a retransmission of an original in flight at
// the other node's bank is refused at any bank of the group. Real PostgreSQL, real peers on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import type { UpstreamGroup } from '../src/index.js';
import type { Peer } from './peer.js';
import { purchase } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** One node: a group of the banks in `order` (failover: the first up takes a new request), each journaled in the store. */
function node(t: AfterHook, url: string, name: string, banks: Record<string, Peer>, order: string[]): Promise<UpstreamGroup> {
  const all = Object.values(banks);
  return startGroup(t, {
    strategy: 'failover',
    upstreams: order.map((u) => ({
      ...upstream(u, banks[u] as Peer),
      requestTimeout: 60_000,
      transactionLog: false as const,
      reversal: { enabled: true, journal: new PgJournal({ url, upstream: u, owner: `${name}-${u}`, lease: 60_000 }) },
    })),
  }, () => all);
}

/** The terminal's reversal (0400) of `original`: its own STAN, the original's data elements in field 90. */
function reversalOf(original: IsoMessage): IsoMessage {
  const { '35': _track, ...fields } = original;
  void _track;
  return { ...fields, '0': '0400', '7': '1121103005', '90': `0200${String(original['11'])}${String(original['7'])}0000012345600000000000` };
}

/** The MTIs each bank received, in order. */
const mtis = (bank: Peer): string[] => bank.received.map((r) => String(r.message['0']));

test('a reversal at the node that did not send its original goes to the original\'s bank, found through the store', async (t) => {
  const url = cluster.createDatabase('group_cross_reversal');
  const banks = { u1: await peerFor(t), u2: await peerFor(t) };
  const a = await node(t, url, 'a', banks, ['u2', 'u1']);
  const b = await node(t, url, 'b', banks, ['u1', 'u2']);
  const original = { ...purchase('059101', 'TERMXN01'), '32': '123456' };
  assert.equal((await a.request(original))['39'], '00', 'approved by u2 (node A lists it first)');
  const answer = await b.request(reversalOf(original));
  assert.equal(answer['39'], '00');
  assert.deepEqual(mtis(banks.u1), [], 'u1 never had the original: its reversal must not go there');
  assert.deepEqual(mtis(banks.u2), ['0200', '0400'], 'the reversal reached the bank that approved the original');
});

test('a repeat (0201) at the node that did not send its answered original goes to the original\'s bank, not by the strategy', async (t) => {
  const url = cluster.createDatabase('group_cross_repeat');
  const banks = { u1: await peerFor(t), u2: await peerFor(t) };
  const a = await node(t, url, 'a', banks, ['u2', 'u1']);
  const b = await node(t, url, 'b', banks, ['u1', 'u2']);
  const original = { ...purchase('059102', 'TERMXN02'), '32': '123456' };
  assert.equal((await a.request(original))['39'], '00');
  const answer = await b.request({ ...original, '0': '0201', '7': '1121103002' });
  assert.equal(answer['39'], '00');
  assert.deepEqual(mtis(banks.u1), [], 'u1 would approve the repeat as a new purchase: both banks debit');
  assert.deepEqual(mtis(banks.u2), ['0200', '0201']);
});

test('a repeat of a transaction no node sent (its original lost before any gateway) goes by the strategy, as new', async (t) => {
  const url = cluster.createDatabase('group_cross_repeat_new');
  const banks = { u1: await peerFor(t), u2: await peerFor(t) };
  const b = await node(t, url, 'b', banks, ['u1', 'u2']);
  const answer = await b.request({ ...purchase('059103', 'TERMXN03'), '0': '0201' });
  assert.equal(answer['39'], '00');
  assert.deepEqual([mtis(banks.u1), mtis(banks.u2)], [['0201'], []]);
});

test('a retransmission (0200 again) at node B while node A\'s original is in flight at u2 is refused, whatever bank B picks', async (t) => {
  const url = cluster.createDatabase('group_cross_inflight');
  const held = await peerFor(t, () => undefined);
  const banks = { u1: await peerFor(t), u2: held };
  const a = await node(t, url, 'a', banks, ['u2', 'u1']);
  const b = await node(t, url, 'b', banks, ['u1', 'u2']);
  const original = { ...purchase('059104', 'TERMXN04'), '32': '123456' };
  const first = failure(a.request(original));
  await held.waitFor(1);
  const again = await failure(b.request(original));
  assert.equal(again.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'pending in the store under u2: u1 must not approve it too');
  assert.equal(again.sent, 'no');
  const repeat = await failure(b.request({ ...original, '0': '0201', '7': '1121103002' }));
  assert.equal(repeat.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'the repeat goes to u2, where the original is in flight, and is refused');
  assert.deepEqual(mtis(banks.u1), [], 'u1 got neither');
  assert.deepEqual(mtis(held), ['0200'], 'u2 got the original only');
  await a.destroy();
  await first;
});

test('the store not answering the look-up, a reversal of an original this node does not remember is refused (coded), sent to no bank', async (t) => {
  const url = cluster.createDatabase('group_cross_store_down');
  const banks = { u1: await peerFor(t), u2: await peerFor(t) };
  const journal = new PgJournal({ url, upstream: 'u1', owner: 'b-u1', lease: 60_000 });
  const b = await startGroup(t, {
    strategy: 'failover',
    upstreams: [
      { ...upstream('u1', banks.u1), transactionLog: false as const, reversal: { enabled: true, journal } },
      { ...upstream('u2', banks.u2), transactionLog: false as const, reversal: { enabled: true, journal: new PgJournal({ url, upstream: 'u2', owner: 'b-u2', lease: 60_000 }) } },
    ],
  }, () => Object.values(banks));
  await journal.close();
  const refused = await failure(b.request(reversalOf({ ...purchase('059105', 'TERMXN05'), '32': '123456' })));
  assert.equal(refused.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.deepEqual([mtis(banks.u1), mtis(banks.u2)], [[], []], 'where its original went is not known: no bank gets it');
});

test('a repeat (0201) at the other node of an original given with an unpadded terminal and STAN goes to the original\'s bank', async (t) => {
  const url = cluster.createDatabase('group_cross_unpadded');
  const banks = { u1: await peerFor(t), u2: await peerFor(t) };
  const a = await node(t, url, 'a', banks, ['u2', 'u1']);
  const b = await node(t, url, 'b', banks, ['u1', 'u2']);
  // Fields 41 (ans 8) and 11 (n 6) as a caller may give them: the bank gets them padded, and the store keeps them so.
  const original = { ...purchase('9107', 'TXN6'), '32': '123456' };
  assert.equal((await a.request(original))['39'], '00', 'approved by u2');
  const answer = await b.request({ ...original, '0': '0201', '7': '1121103002' });
  assert.equal(answer['39'], '00');
  assert.deepEqual(mtis(banks.u1), [], 'u1 would approve the repeat as a new purchase: both banks debit');
  assert.deepEqual(mtis(banks.u2), ['0200', '0201']);
});
