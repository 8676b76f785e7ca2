// Every failure of a request says whether its first byte was written (`sent`: 'no' the host never had it, 'maybe' it
// was written), whatever its code, and the connector's rule (`upstreamFailureCode`) reads it before the code: a
// request refused, never connected, queued, or waiting for a connection is 'no' (91); one written and then timed out,
// lost with its connection, or cut by a destroy is 'maybe' (68: reversed, never "not sent"). Real sockets, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestSent, upstreamFailureCode } from '../src/index.js';
import type { Iso8583Error, IsoMessage } from '@iso8583/codec';
import { connectorFor, downPort, peerAndConnector, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import { purchase } from './peer.js';
import { failure } from './helpers/failure.js';

/** Code, `sent` and the terminal's field 39 of a failure, with no card data in what it says. */
function seen(err: Iso8583Error): [string, string | undefined, string] {
  assert.doesNotMatch(`${err.message} ${JSON.stringify(err)} ${String(err.sent)}`, /4111111111111111/);
  return [err.code, err.sent, upstreamFailureCode(err)];
}

/** A connector in exclusive mode to a host that never answers, its one connection up (`acquireTimeout` to wait for it). */
async function oneConnection(t: Parameters<typeof peerFor>[0], acquireTimeout: number, requestTimeout: number): Promise<Awaited<ReturnType<typeof peerAndConnector>>> {
  const made = await peerAndConnector(t, () => undefined, { mode: 'exclusive', requestTimeout, pool: { min: 1, max: 1, acquireTimeout } });
  await made.connector.connect();
  return made;
}

test('request sent – refused before it is accepted (the connector closing): no, 91', async (t) => {
  const { connector } = await peerAndConnector(t, () => undefined);
  await connector.connect();
  void connector.close();
  assert.deepEqual(seen(await failure(connector.request(purchase('009001')))), ['ISO8583_ERR_CONNECTOR_CLOSED', 'no', '91']);
});

test('request sent – no connection to the host (connect refused): no, 91', async (t) => {
  const port = await downPort(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port, pool: { acquireTimeout: 60_000 } });
  await failure(connector.connect());
  assert.deepEqual(seen(await failure(connector.request(purchase('009101')))), ['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'no', '91']);
});

test('request sent – queued for the one connection past pool.acquireTimeout: no, 91; the request holding it, timed out: maybe, 68', async (t) => {
  const { peer, connector } = await oneConnection(t, 100, 5_000);
  const holding = failure(connector.request(purchase('009201')));
  await peer.waitFor(1);
  assert.deepEqual(seen(await failure(connector.request(purchase('009202')))), ['ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED', 'no', '91']);
  assert.deepEqual(seen(await holding), ['ISO8583_ERR_CONNECTOR_TIMEOUT', 'maybe', '68']);
});

test('request sent – refused by its channel (a duplicate key in flight): no, 94', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 60_000 });
  await connector.connect();
  const first = connector.request(purchase('009301')).catch(() => undefined);
  await peer.waitFor(1);
  assert.deepEqual(seen(await failure(connector.request(purchase('009301')))), ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no', '94']);
  await connector.destroy();
  await first;
});

test('request sent – written, then its connection lost while it waited: maybe, 68', async (t) => {
  const { connector } = await peerAndConnector(t, (r) => r.socket.destroy(), { requestTimeout: 60_000 });
  await connector.connect();
  assert.deepEqual(seen(await failure(connector.request(purchase('009401')))), ['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'maybe', '68']);
});

test('request sent – a destroy: the request written and held by the host is maybe (68, not the 91 of its code), the one waiting for a connection no (91)', async (t) => {
  const { peer, connector } = await oneConnection(t, 60_000, 60_000);
  const held = failure(connector.request(purchase('009501')));
  await peer.waitFor(1);
  const waiting = failure(connector.request(purchase('009502')));
  await connector.destroy();
  assert.deepEqual(seen(await held), ['ISO8583_ERR_CONNECTOR_CLOSED', 'maybe', '68']);
  assert.deepEqual(seen(await waiting), ['ISO8583_ERR_CONNECTOR_CLOSED', 'no', '91']);
  assert.equal(peer.received.length, 1, 'the waiting request never reached the host');
});

test('request sent – the journal: its add failing before the write is no (91), its done failing after the answer maybe (68)', async (t) => {
  const dir = tempDir(t, 'request-sent-journal');
  const faults = await writeFaults(t, dir);
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  faults.rules.push({ marker: '"op":"done"', fail: true });
  assert.deepEqual(seen(await failure(connector.request(purchase('009601')))), ['ISO8583_ERR_CONNECTOR_JOURNAL', 'maybe', '68']);
  faults.rules.length = 0;
  faults.rules.push({ marker: '"id":', fail: true });
  const before = peer.received.length;
  const refused = await failure(connector.request(purchase('009602')));
  assert.deepEqual(seen(refused), ['ISO8583_ERR_CONNECTOR_JOURNAL', 'no', '91']);
  assert.equal(peer.received.filter((r, i) => i >= before && r.message['11'] === '009602').length, 0, 'the purchase never left');
});

test('request sent – the rule reads `sent` before the code, through an error that wraps it (an inbound SEQUENCE_FAILED), and the code table without it', () => {
  const lostBeforeWrite = Object.assign(new Error('closed before use'), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', sent: 'no' });
  assert.equal(upstreamFailureCode(lostBeforeWrite), '91');
  const closedAtBank = { code: 'ISO8583_ERR_CONNECTOR_CLOSED', sent: 'maybe' };
  assert.equal(upstreamFailureCode(closedAtBank), '68');
  const wrapped = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED', cause: closedAtBank };
  assert.equal(requestSent(wrapped), 'maybe');
  assert.equal(upstreamFailureCode(wrapped), '68');
  assert.equal(upstreamFailureCode({ code: 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED', cause: { code: 'ISO8583_ERR_CONNECTOR_DEADLINE' } }), '91');
  assert.equal(upstreamFailureCode({ code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' }), '96');
  assert.equal(upstreamFailureCode(undefined), '96');
  assert.equal(requestSent({ code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' }), undefined);
});

test('request sent – a maybe anywhere in the chain wins over a no before it (a wrapper marked no by a later request dropped unwritten): 68, not 91', () => {
  const lost = Object.assign(new Error('connection lost'), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', sent: 'maybe' as const });
  const wrapper = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED', sent: 'no' as const, cause: lost };
  assert.equal(requestSent(wrapper), 'maybe');
  assert.equal(upstreamFailureCode(wrapper), '68');
  assert.equal(requestSent({ code: 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED', sent: 'no', cause: { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' } }), 'no');
});

test('request sent – refused by the SAF queue (a purchase with saf: true, a past deadline; no queue; closing): no, 91', async (t) => {
  const dir = tempDir(t, 'request-sent-saf');
  const peer = await peerFor(t);
  const withQueue = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true }, saf: { enabled: true, journalDir: dir } });
  const refused = await failure(withQueue.request(purchase('009801'), { saf: true, deadline: performance.now() - 10 }));
  assert.deepEqual(seen(refused), ['ISO8583_ERR_CONNECTOR_SAF', 'no', '91']);
  const noQueue = connectorFor(t, { host: '127.0.0.1', port: peer.port });
  const reversalAdvice: IsoMessage = { ...purchase('009802'), '0': '0420' };
  delete reversalAdvice['2'];
  assert.deepEqual(seen(await failure(noQueue.request(reversalAdvice, { saf: true }))), ['ISO8583_ERR_CONNECTOR_SAF', 'no', '91']);
  void withQueue.close();
  assert.deepEqual(seen(await failure(withQueue.request(reversalAdvice, { saf: true }))), ['ISO8583_ERR_CONNECTOR_CLOSED', 'no', '91']);
  assert.equal(peer.received.length, 0, 'nothing reached the host');
});
