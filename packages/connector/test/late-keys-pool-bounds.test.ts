// The late keys are the connector's, shared by its connections (late-keys.ts), so their bounds are sized by the pool:
// LATE_KEYS and ANSWERED_KEYS per connection of `pool.max`. Before, one connection's bounds held the whole pool's: with
// four connections, a timed-out request's key was forgotten after a quarter of the timeouts it survived with one, and
// its late approval was taken for unsolicited (or, past ANSWERED_KEYS, an answer's copy for a new one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { ANSWERED_KEYS, LATE_KEYS, LateKeys } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { getDialect } from '@iso8583/codec';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

const answerOf = (echo7: string): IsoMessage => ({ '0': '0210', '7': echo7 });

test('late keys sized for 4 connections keep LATE_KEYS timed-out keys and ANSWERED_KEYS answers per connection', () => {
  const late = new LateKeys(DIALECT);
  late.fit(4);
  late.timedOut('k0', '1205100000');
  for (let i = 1; i < 4 * LATE_KEYS; i++) late.timedOut(`k${i}`, '1205100000');
  assert.equal(late.has('k0'), true, 'kept through 4 x LATE_KEYS - 1 later timeouts');
  late.timedOut('one-more', '1205100000');
  assert.equal(late.has('k0'), false, 'the oldest forgotten past 4 x LATE_KEYS');
  late.answered('a0', '1205100000', answerOf('1205100000'));
  for (let i = 1; i < 4 * ANSWERED_KEYS; i++) late.answered(`a${i}`, '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('a0', '1205100001', answerOf('1205100000')), 'duplicate', 'kept through 4 x ANSWERED_KEYS - 1 later answers');
  late.answered('one-more', '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('a0', '1205100001', answerOf('1205100000')), undefined, 'the oldest forgotten past 4 x ANSWERED_KEYS');
  late.fit(2);
  late.timedOut('k-after', '1205100000');
  assert.equal(late.has(`k${4 * LATE_KEYS - 1}`), true, 'a smaller pool never shrinks them');
});

test('a pool of 4 connections: a key survives as many later timeouts on each connection as it did with one', async (t) => {
  const others = 4 * (LATE_KEYS - 1);
  let original: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      if (r.message['0'] === '0200') original = r; // answered only late
      // 0600s: never answered, they time out
    },
    { transactionLog: false, maxInFlight: others + 10, pool: { min: 4, max: 4 } },
  );
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 4 ? true : undefined), { what: 'the pool\'s four connections', timeoutMs: 10_000 });
  const events: string[] = [];
  connector.on('late-response', () => events.push('late-response'));
  connector.on('unsolicited', () => events.push('unsolicited'));
  assert.equal((await failure(connector.request(purchase('006031'), { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const timedOut = Array.from({ length: others }, (_, i) =>
    failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(300_000 + i), '41': 'TERM0002' }, { timeout: 300 })),
  );
  const codes = new Set((await Promise.all(timedOut)).map((e) => e.code));
  assert.deepEqual([...codes], ['ISO8583_ERR_CONNECTOR_TIMEOUT']);
  const spread = new Map<unknown, number>();
  for (const r of peer.received) spread.set(r.socket, (spread.get(r.socket) ?? 0) + 1);
  assert.ok(spread.size > 1, 'the timeouts spread over the connections');
  const held = original as Received;
  peer.send(held.socket, answer(held.message));
  await waitUntil(() => (events.length > 0 ? true : undefined), { what: 'the answer to be reported', timeoutMs: 10_000 });
  assert.deepEqual(events, ['late-response'], 'still a late answer, not unsolicited');
  await connector.close();
});
