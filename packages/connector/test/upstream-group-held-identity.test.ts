// What an upstream group holds a transaction in flight by (reversal off, the default): a routing rule goes first (a
// true repeat follows its original's rule), and a transaction is held by its STAN, terminal, acquirer (32) and card (2),
// never by a STAN alone (no field 41). An unrelated transaction that shares only a STAN and terminal id goes to its
// own bank. A lone connector holds nothing (no key built). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerAndConnector, peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const stans = (peer: Peer): string[] => peer.received.map((r) => `${String(r.message['0'])}:${String(r.message['32'])}`);

/** A peer that holds (never answers) the requests `held` picks and answers every other with 00. */
const holding = (t: Parameters<typeof peerFor>[0], held: (m: IsoMessage) => boolean): Promise<Peer> =>
  peerFor(t, (r, p) => {
    if (!held(r.message)) p.send(r.socket, answer(r.message));
  });

const mastercard = (m: IsoMessage): IsoMessage => ({ ...m, '2': '5500000000000004', '35': '5500000000000004=29122010000000000000' });

test('upstream group held identity – routed by card: a Mastercard purchase sharing STAN and terminal id with a Visa one in flight goes to mc', async (t) => {
  const visa = await holding(t, (m) => String(m['2']).startsWith('4'));
  const mc = await peerFor(t);
  const group = await startGroup(t, {
    upstreams: [{ ...upstream('visa', visa), requestTimeout: 60_000 }, upstream('mc', mc)],
    routes: [{ pan: '4', upstream: 'visa' }, { pan: '5', upstream: 'mc' }],
  }, () => []);
  const first = failure(group.request({ ...purchase('054001', '00000001'), '32': '111111' }));
  await visa.waitFor(1);
  const other = await group.request(mastercard({ ...purchase('054001', '00000001'), '32': '222222' }));
  assert.equal(other['39'], '00', 'answered by mc');
  assert.deepEqual([stans(visa), stans(mc)], [['0200:111111'], ['0200:222222']]);
  // A true repeat of the Visa purchase still goes to visa (its rule), refused there while its original is in flight.
  const repeat = await failure(group.request({ ...purchase('054001', '00000001'), '0': '0201', '32': '111111' }));
  assert.deepEqual([repeat.code, stans(mc)], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', ['0200:222222']]);
  await group.connectors.get('visa')?.destroy();
  await first;
});

test('upstream group held identity – round robin: another acquirer\'s purchase with the same STAN and terminal id goes by the strategy; a true repeat to the holder', async (t) => {
  const a = await holding(t, (m) => m['32'] === '111111');
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 60_000 }, upstream('B', b)] }, () => []);
  const first = failure(group.request({ ...purchase('054002', 'TERMSAME'), '32': '111111' }));
  await a.waitFor(1);
  const other = await group.request({ ...purchase('054002', 'TERMSAME'), '32': '222222' });
  assert.equal(other['39'], '00', 'answered by B, whose turn it was');
  const repeat = await failure(group.request({ ...purchase('054002', 'TERMSAME'), '0': '0201', '32': '111111' }));
  assert.equal(repeat.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'the repeat went to A, which holds its transaction');
  assert.deepEqual([stans(a), stans(b)], [['0200:111111'], ['0200:222222']], 'B never got the held transaction');
  await group.connectors.get('A')?.destroy();
  await first;
});

test('upstream group held identity – round robin, no field 41: a STAN alone holds nothing, the next request goes by the strategy', async (t) => {
  const a = await holding(t, (m) => m['4'] === '000000001000');
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 60_000 }, upstream('B', b)] }, () => []);
  const no41 = (amount: string): IsoMessage => {
    const m = purchase('054003', 'UNUSED', amount);
    delete m['41'];
    return m;
  };
  const first = failure(group.request(no41('000000001000')));
  await a.waitFor(1);
  assert.equal((await group.request(no41('000000002000')))['39'], '00', 'answered by B');
  assert.deepEqual([a.received.length, b.received.length], [1, 1]);
  await group.connectors.get('A')?.destroy();
  await first;
});

test('upstream group held identity – a lone connector holds no transaction (nothing asks it: no key is built)', async (t) => {
  let answering = false;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (answering) p.send(r.socket, answer(r.message));
  }, { requestTimeout: 60_000 });
  await connector.connect();
  const first = connector.request(purchase('054004'));
  await peer.waitFor(1);
  assert.equal(connector.holdsTransaction(purchase('054004')), false);
  answering = true;
  await connector.destroy();
  await first.catch(() => undefined);
});
