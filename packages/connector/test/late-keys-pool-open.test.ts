// The late keys are sized by the connections a connector has had open at once (up to `pool.max`), not by `pool.max`
// itself, and never past LATE_KEYS_CONNECTIONS connections' worth. Before, each channel sized them by `pool.max`: with
// `pool.max: 1000` (allowed) and one connection open, one busy connection filled 1000 connections' worth of keys and
// answers (the answers ring is never emptied by time): about 2.7 GB of heap. Counts here, not heap figures: a key is
// forgotten (its late answer `unsolicited`) exactly past the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { ANSWERED_KEYS, LATE_KEYS, LATE_KEYS_CONNECTIONS, LateKeys } from '../src/late-keys.js';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { getDialect } from '@iso8583/codec';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

const answerOf = (echo7: string): IsoMessage => ({ '0': '0210', '7': echo7 });

test('late keys fitted for 1000 connections hold LATE_KEYS_CONNECTIONS connections\' worth, no more', () => {
  const late = new LateKeys(DIALECT);
  late.fit(1000);
  const most = LATE_KEYS_CONNECTIONS * LATE_KEYS;
  for (let i = 0; i < most; i++) late.timedOut(`k${i}`, '1205100000');
  assert.equal(late.has('k0'), true, 'kept through the ceiling\'s keys');
  late.timedOut('one-more', '1205100000');
  assert.equal(late.has('k0'), false, 'the oldest forgotten past the ceiling');
  const answers = LATE_KEYS_CONNECTIONS * ANSWERED_KEYS;
  for (let i = 0; i < answers; i++) late.answered(`a${i}`, '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('a0', '1205100001', answerOf('1205100000')), 'duplicate', 'kept through the ceiling\'s answers');
  late.answered('one-more', '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('a0', '1205100001', answerOf('1205100000')), undefined, 'the oldest forgotten past the ceiling');
});

/** Times out `n` 0600s (never answered), `open` at once (one per open connection: the pool does not grow). */
async function timeOut(connector: Connector, n: number, open: number, from: number): Promise<void> {
  for (let i = 0; i < n; i += open) {
    const batch = Array.from({ length: Math.min(open, n - i) }, (_, j) =>
      failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(from + i + j), '41': 'TERM0002' }, { timeout: 1 })),
    );
    for (const e of await Promise.all(batch)) assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  }
}

/** Answers the purchase with STAN `stan` (timed out) now, and returns how the connector reported it. */
async function lateAnswer(peer: Peer, connector: Connector, stan: string): Promise<string> {
  const events: string[] = [];
  const late = (): number => events.push('late-response');
  const unsolicited = (): number => events.push('unsolicited');
  connector.on('late-response', late);
  connector.on('unsolicited', unsolicited);
  const held = await waitUntil(() => peer.received.find((r) => r.message['0'] === '0200' && r.message['11'] === stan), {
    what: `the purchase ${stan} at the host`,
    timeoutMs: 10_000,
  });
  peer.send(held.socket, answer(held.message));
  await waitUntil(() => (events.length > 0 ? true : undefined), { what: `the answer to ${stan} to be reported`, timeoutMs: 10_000 });
  connector.off('late-response', late);
  connector.off('unsolicited', unsolicited);
  return events.join();
}

for (const open of [1, 2]) {
  test(`pool.max 1000 with ${open} connection(s) open: the late keys hold ${open} connection(s)' worth`, async (t) => {
    const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: open, max: 1000 } });
    await connector.connect();
    await waitUntil(() => (peer.sockets.size === open ? true : undefined), { what: `${open} connection(s)`, timeoutMs: 10_000 });
    for (const stan of ['007001', '007002']) {
      assert.equal((await failure(connector.request(purchase(stan), { timeout: 1 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    }
    // 007001 is the oldest of open x LATE_KEYS keys: kept; one more forgets it, 007002 still kept.
    await timeOut(connector, open * LATE_KEYS - 2, open, 300_000);
    await timeOut(connector, 1, 1, 400_000);
    assert.equal(peer.sockets.size, open, 'no connection opened meanwhile');
    assert.equal(await lateAnswer(peer, connector, '007001'), 'unsolicited', 'forgotten past the bound');
    assert.equal(await lateAnswer(peer, connector, '007002'), 'late-response', 'kept within it');
    await connector.close();
  });
}
