// A request's `signal` (send options): the caller gives up (an inbound sequence whose sequenceTimeout passed). Aborted
// before the write, the request never leaves (ABORTED, sent 'no', 91); aborted while the host holds it, it is no
// longer waited for and is reversed as after a timeout (ABORTED, sent 'maybe', 68), and the abort's reason is told
// the same `sent` as the abort runs. Real sockets, a real journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { upstreamFailureCode } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { watchReversals } from './helpers/reversals.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

/** What a caller aborts with: an object its `sent` can be put on (as the inbound endpoint's timeout error). */
interface Reason {
  code: string;
  sent?: string;
}

/** A connector with reversal on to a host that holds every 0200 (answers reversals), connected. */
async function holdingHost(t: Parameters<typeof peerAndConnector>[0], options: Parameters<typeof peerAndConnector>[2] = {}): Promise<{ peer: Peer; connector: Connector }> {
  const made = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  }, { requestTimeout: 60_000, reversal: { enabled: true, journalDir: tempDir(t, 'signal') }, ...options });
  made.connector.on('error', () => undefined);
  await made.connector.connect();
  return made;
}

test('request signal – aborted while the host holds the written purchase: ABORTED, maybe (68), the reason told maybe, and the purchase reversed', async (t) => {
  const { peer, connector } = await holdingHost(t);
  const reversals = watchReversals(connector);
  const controller = new AbortController();
  const reason: Reason = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  const pending = failure(connector.request(purchase('041001'), { signal: controller.signal }));
  await peer.waitFor(1);
  controller.abort(reason);
  assert.equal(reason.sent, 'maybe', 'told as the abort runs: the purchase may be at the host');
  assert.equal(upstreamFailureCode(reason), '68');
  const err = await pending;
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_ABORTED', 'maybe', '68']);
  assert.doesNotMatch(`${err.message} ${JSON.stringify(err)}`, /4111111111111111/);
  const reversed = await reversals.reached;
  assert.equal(reversed.stage, 'answered');
  const atHost = peer.received.find((r) => r.message['0'] === '0400');
  assert.ok(atHost, 'the host got the reversal');
  assert.equal(String(atHost.message['90']).slice(0, 10), '0200041001');
});

test('request signal – aborted before the request: refused unwritten, ABORTED, no (91), the reason told no, nothing reversed', async (t) => {
  const { peer, connector } = await holdingHost(t);
  const reversals = watchReversals(connector, 'sent');
  const controller = new AbortController();
  const reason: Reason = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  controller.abort(reason);
  const err = await failure(connector.request(purchase('041101'), { signal: controller.signal }));
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_ABORTED', 'no', '91']);
  assert.equal(reason.sent, 'no');
  // A request after it is answered: proof that the connection is sound and the aborted one never left.
  const answered = connector.request({ ...purchase('041102'), '0': '0100' });
  await peer.waitFor(1);
  assert.equal((await answered)['39'], '00');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['041102'], 'the aborted purchase never reached the host');
  assert.equal(reversals.events.length, 0);
});

test('request signal – aborted while it waits for its terminal\'s turn: not written when its turn comes (ABORTED, no, 91), the reason told no', async (t) => {
  const { peer, connector } = await holdingHost(t, { terminalQueue: { enabled: true } });
  // One request per terminal at the host: the first purchase holds the turn of TERM0001 until its own timeout.
  const first = failure(connector.request(purchase('041201'), { timeout: 300 }));
  await peer.waitFor(1);
  const controller = new AbortController();
  const reason: Reason = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  const second = failure(connector.request(purchase('041202'), { signal: controller.signal }));
  controller.abort(reason);
  assert.equal(reason.sent, 'no', 'not written when aborted, and never written after');
  assert.equal((await first).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const err = await second;
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_ABORTED', 'no', '91']);
  const purchases = peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']);
  assert.deepEqual(purchases, ['041201'], 'the aborted purchase never reached the host');
});

test('request signal – answered before the abort: the answer stands, the reason is told nothing', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)));
  await connector.connect();
  const controller = new AbortController();
  const reason: Reason = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  assert.equal((await connector.request(purchase('041301'), { signal: controller.signal }))['39'], '00');
  controller.abort(reason);
  assert.equal(reason.sent, undefined, 'the request settled: the signal is no longer listened to');
  assert.equal(peer.received.length, 1);
});

test('request signal – aborted while it waits for a connection: the wait ends at once (ABORTED, no, 91), not at pool.acquireTimeout', async (t) => {
  const { peer, connector } = await holdingHost(t, { mode: 'exclusive', pool: { min: 1, max: 1, acquireTimeout: 600_000 } });
  // Exclusive mode, one connection: the first purchase holds it (the host never answers it).
  const first = failure(connector.request(purchase('041401')));
  await peer.waitFor(1);
  const controller = new AbortController();
  const reason: Reason = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  const second = failure(connector.request(purchase('041402'), { signal: controller.signal }));
  controller.abort(reason);
  const err = await within(second, 10_000, 'the aborted request still waits for the connection (until acquireTimeout)');
  assert.deepEqual([err.code, err.sent, upstreamFailureCode(err)], ['ISO8583_ERR_CONNECTOR_ABORTED', 'no', '91']);
  assert.equal(reason.sent, 'no');
  await connector.destroy();
  await first;
  assert.deepEqual(peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']), ['041401']);
});
