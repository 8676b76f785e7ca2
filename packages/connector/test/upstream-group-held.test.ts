// What an upstream group keeps on one upstream, with the connector's defaults (reversal off): a repeat of a transaction
// in flight there goes there (never to a second bank); an original whose STAN the connector filled in is remembered
// whatever the call (text, object, relay), so its reversal goes where it was approved; and a graceful close is not
// reported as upstreams going down. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { capturedLogger, peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const at = (peer: Peer, mti: string): string[] => peer.received.filter((r) => r.message['0'] === mti).map((r) => String(r.message['11']));

/** A reversal (0400) a caller builds for an answered original. */
const reversalOf = (original: IsoMessage): IsoMessage => ({
  '0': '0400',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '7': '1121103100',
  '11': original['11'] as string,
  '41': original['41'] as string,
  '49': '840',
  '90': `0200${String(original['11'])}1121103000${'0'.repeat(22)}`,
});

test('upstream group held – round robin, reversal off: a repeat (0201) of a purchase in flight at A goes to A, never to B', async (t) => {
  // A holds its purchases (in flight until the test ends); B answers everything.
  const a = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 60_000 }, upstream('B', b)] }, () => []);
  const first = failure(group.request(purchase('052001', 'TERMDUP1')));
  await a.waitFor(a.received.length + 1);
  const repeat = await failure(group.request({ ...purchase('052001', 'TERMDUP1'), '0': '0201' }));
  assert.deepEqual([repeat.code, repeat.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'refused at A, where its transaction is in flight');
  assert.deepEqual([at(a, '0200'), at(b, '0200'), at(b, '0201')], [['052001'], [], []], 'B never got the transaction');
  // Settled (lost with its connector), the transaction is no longer held: the next request goes by the strategy.
  await group.connectors.get('A')?.destroy();
  await first;
  assert.equal(group.connectors.get('A')?.holdsTransaction(purchase('052001', 'TERMDUP1')), false);
});

test('upstream group held – an original whose STAN the connector filled is remembered as sent (text, object, relay): its reversal goes to its upstream', async (t) => {
  const a = await peerFor(t);
  const b = await peerFor(t);
  const up = (name: string, peer: Peer) => ({ ...upstream(name, peer), autoFill: { stan: true } });
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [up('A', a), up('B', b)] }, () => []);
  const noStan = (terminal: string): IsoMessage => {
    const m = purchase('000000', terminal);
    delete m['11'];
    return m;
  };
  const codec = group.codec;
  assert.ok(codec !== undefined);
  const calls: [string, (m: IsoMessage) => Promise<IsoMessage>][] = [
    ['request', (m) => group.request(m)],
    ['sendMessage text', async (m) => JSON.parse(await group.sendMessage(JSON.stringify(m))) as IsoMessage],
    ['sendMessage object', (m) => group.sendMessage(m)],
    ['relay', async (m) => (await group.relay({ message: m, body: Buffer.from(codec.pack(m)), dialect: codec.dialect })).message],
  ];
  let n = 0;
  for (const [how, send] of calls) {
    n += 1;
    await group.request(purchase(String(52100 + n).padStart(6, '0'), 'WARMUP01')); // A's turn: the original goes to B
    const answered = await send(noStan(`TERMFIL${n}`));
    assert.ok(at(b, '0200').includes(String(answered['11'])), `${how}: the original went to B`);
    const reversed = await group.request(reversalOf(answered));
    assert.equal(reversed['39'], '00');
    assert.deepEqual([at(a, '0400'), at(b, '0400').includes(String(answered['11']))], [[], true], `${how}: its reversal went to B, which approved it`);
  }
});

test('upstream group held – a graceful close reports no upstream down (no event, no warn line, no down counted)', async (t) => {
  const a = await peerFor(t);
  const b = await peerFor(t);
  const { logger, lines } = capturedLogger('info');
  const group = await startGroup(t, { logger, upstreams: [upstream('A', a), upstream('B', b)] }, () => []);
  const downs: string[] = [];
  group.on('down', (e) => downs.push(e.upstream));
  await group.close();
  assert.deepEqual(downs, []);
  assert.deepEqual(lines.filter((l) => l.msg === 'upstream down'), []);
  const stats = group.stats();
  assert.deepEqual([stats.A?.downs, stats.B?.downs], [0, 0]);
  assert.deepEqual(group.healthy(), [], 'closed: none is up');
});

test('upstream group held – its connectors closed one by one (as the gateway stops): no upstream reported down', async (t) => {
  const a = await peerFor(t);
  const b = await peerFor(t);
  const { logger, lines } = capturedLogger('info');
  const group = await startGroup(t, { logger, upstreams: [upstream('A', a), upstream('B', b)] }, () => []);
  const downs: string[] = [];
  group.on('down', (e) => downs.push(e.upstream));
  for (const c of group.connectors.values()) await c.close();
  assert.deepEqual([downs, lines.filter((l) => l.msg === 'upstream down').length], [[], 0]);
  const stats = group.stats();
  assert.deepEqual([stats.A?.downs, stats.B?.downs], [0, 0]);
});
