// The host's copy of an answer may come on another connection of the pool than the answer's: the answered and
// timed-out keys are the connector's, shared by its connections (late-keys.ts), so the copy is told from a late
// approval wherever it comes. Before: each connection knew only its own answers, and the copy on the other connection
// was offered to the reversals as a late approval (noted by STAN and terminal): a later transaction reusing the STAN,
// whose reversal undid nothing (`25`), then stored a repeat (0401) for an approval that was this copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin, waitUntil } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { receivedLines, watchReversals } from './helpers/reversals.js';

const STAN = '005961';

/** Resolves with the next `event` message of `connector`. */
function next(connector: Connector, event: 'unsolicited' | 'late-response'): Promise<IsoMessage> {
  return eventWithin(10_000, `no ${event} message within 10 s`, (resolve) => connector.once(event, (m: IsoMessage) => resolve(m)));
}

test('a pool of two connections: the host\'s copy of an answer on the other connection is not taken for a late approval', async (t) => {
  const dir = tempDir(t, 'pool-copy');
  // The first purchase (10.00) answered in time; any other held (it times out); a reversal answered 25, a repeat 00.
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200' && r.message['4'] === '000000001000') p.send(r.socket, answer(r.message));
    else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
    else if (mti === '0401') p.send(r.socket, answer(r.message));
  }, { transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  assert.equal((await connector.request(purchase(STAN)))['39'], '00');
  const [first] = await peer.waitFor(1);
  const other = [...peer.sockets].find((s) => s !== first!.socket);
  assert.ok(other !== undefined, 'the connection the purchase did not take');
  const copied = next(connector, 'unsolicited');
  peer.send(other, answer(first!.message)); // the host's copy of the answer, on the other connection
  assert.equal((await copied)['11'], STAN);
  // A new transaction reusing the STAN (another amount) times out; its reversal is answered 25: nothing to undo.
  const watch = watchReversals(connector);
  await assert.rejects(connector.request(purchase(STAN, 'TERM0001', '000000002000'), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await watch.reached).responseCode, '25');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`], 'no 0401: the copy was no approval');
  assert.deepEqual(watch.events.map((e) => `${e.stage}:${e.mti}`), ['queued:0400', 'sent:0400', 'answered:0400']);
});

test('a pool of two connections: a timed-out request\'s late answer on the other connection is its late answer', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  await assert.rejects(connector.request(purchase('005962'), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [held] = await peer.waitFor(1);
  const other = [...peer.sockets].find((s) => s !== held!.socket);
  assert.ok(other !== undefined, 'the connection the purchase did not take');
  const late = next(connector, 'late-response');
  peer.send(other, answer(held!.message));
  assert.equal((await late)['11'], '005962');
  const { processed, secured } = connector.stats().amounts;
  assert.deepEqual({ processed, secured }, { processed: 1000, secured: 1000 }, 'counted once, as its late answer');
});
