// The connector's link survives a host whose framing goes wrong: a frame started and never completed (a bogus length
// header) is dropped after `readTimeout`, a length over `maxFrameSize` at once; pending requests fail with
// CONNECTION_LOST (so their reversals run), the connector reconnects, and later requests are answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Iso8583Error } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { validateConnectorOptions } from '../src/index.js';
import type { Connector, DisconnectInfo, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { PeerHandler } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

/**
 * Calls `onChunk` with each chunk read by the client sockets of this process connected to `port` (node's
 * `net.client.socket` channel), in the turn the connector's own socket reads it.
 */
function watchConnectorReads(t: { after(fn: () => void): void }, port: number, onChunk: (chunk: Buffer) => void): void {
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    socket.once('connect', () => {
      if (socket.remotePort === port) socket.on('data', onChunk);
    });
  };
  subscribe('net.client.socket', onSocket);
  t.after(() => unsubscribe('net.client.socket', onSocket));
}

/** The next `disconnect` event (`events.once` would reject on the `error` event the drop also emits). */
function nextDisconnect(connector: Connector): Promise<DisconnectInfo> {
  return new Promise((resolve) => connector.once('disconnect', resolve));
}

/**
 * A host that answers every request, except the first purchase on its first connection: to that one it writes only
 * `header` (a length header whose frame never follows) and then stays silent on that connection.
 */
function wedging(header: Buffer): PeerHandler {
  let wedged: Socket | undefined;
  return (r, p) => {
    if (wedged === undefined && r.message['0'] === '0200') {
      wedged = r.socket;
      r.socket.write(header);
      return;
    }
    if (r.socket === wedged) return;
    p.send(r.socket, answer(r.message));
  };
}

test('readTimeout – a bogus length header (60000 bytes announced, none sent) drops the connection; the purchase in flight fails with CONNECTION_LOST and is reversed; the connector reconnects and the next purchase is answered', async (t) => {
  const journalDir = tempDir(t, 'read-timeout');
  // binary2: 60000, under the default maxFrameSize 65535
  const { peer, connector } = await peerAndConnector(t, wedging(Buffer.from([0xea, 0x60])), {
    requestTimeout: 60_000,
    readTimeout: 200,
    reconnect: { initialDelay: 5, maxDelay: 20 },
    reversal: { enabled: true, journalDir, retryInterval: 1000 },
  });
  const errors: Iso8583Error[] = [];
  connector.on('error', (err: Iso8583Error) => errors.push(err));
  const connects: number[] = [];
  connector.on('connect', (e: { channel: number }) => connects.push(e.channel));
  const disconnected = nextDisconnect(connector);
  const reversed = new Promise<ReversalEvent>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)),
  );

  const first = assert.rejects(connector.request(purchase('009001')), (err: Iso8583Error) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
    assert.match(err.message, /readTimeout/);
    assert.match(err.message, /2 of 60002 bytes/);
    assert.doesNotMatch(err.message, /4111111111111111/);
    return true;
  });
  const lost = await within(disconnected, 10_000, 'the wedged connection was not dropped');
  assert.deepEqual({ channel: lost.channel, code: lost.code }, { channel: 1, code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  // The wait before the next connect (drawn up to reconnect.maxDelay): the link is not given up.
  assert.ok(lost.retryIn !== undefined && lost.retryIn >= 1 && lost.retryIn <= 20, `retryIn ${String(lost.retryIn)}`);
  await first;
  // The drop was the read timeout's doing (reported once), not the host closing.
  assert.deepEqual(errors.map((e) => [e.code, e.field]), [['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'readTimeout']]);

  // Its outcome at the host is unknown: reversed on the new connection, as for any lost connection.
  const reversal = await within(reversed, 10_000, 'the purchase was not reversed');
  assert.equal(reversal.stan, '009001');
  const next = await within(connector.request(purchase('009002')), 10_000, 'the next purchase was not answered');
  assert.equal(next['39'], '00');
  assert.deepEqual(connects, [1, 2]);
  // The purchase, its reversal (repeated as 0401 if an attempt is slow to be answered on a busy machine), the next one.
  const seen = peer.received.map((r) => `${r.message['0']}:${r.message['11']}`);
  assert.equal(seen[0], '0200:009001');
  assert.equal(seen[1], '0400:009001');
  assert.equal(seen.at(-1), '0200:009002');
  for (const m of seen.slice(2, -1)) assert.equal(m, '0401:009001');
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().reversalsPending, 0);
});

test('maxFrameSize – a length header over the maximum drops the connection at once; the connector reconnects and the next purchase is answered', async (t) => {
  // binary2: 8192, over maxFrameSize 4096; readTimeout far beyond the test's deadlines: the drop cannot be its doing.
  const { connector } = await peerAndConnector(t, wedging(Buffer.from([0x20, 0x00])), {
    requestTimeout: 60_000,
    readTimeout: 600_000,
    maxFrameSize: 4096,
    reconnect: { initialDelay: 5, maxDelay: 20 },
  });
  const errors: Iso8583Error[] = [];
  connector.on('error', (err: Iso8583Error) => errors.push(err));
  const disconnected = nextDisconnect(connector);
  const first = assert.rejects(connector.request(purchase('009101')), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' });
  const lost = await within(disconnected, 10_000, 'the connection was not dropped');
  assert.equal(lost.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  await first;
  assert.equal(errors.length, 1);
  assert.equal((errors[0]?.cause as Iso8583Error | undefined)?.code, 'ISO8583_ERR_FRAME_LENGTH');
  const next = await within(connector.request(purchase('009102')), 10_000, 'the next purchase was not answered');
  assert.equal(next['39'], '00');
});

test('readTimeout – a connection whose frames arrive in pieces is kept while each frame completes in time', async (t) => {
  // Each response is held incomplete at the connector: the host writes its first CUT bytes, and the rest only once the
  // connector's socket has read them (a gate on the read itself, not on time, so that no frame arrives whole however
  // busy the machine). Frames keep coming, each completed at once, until well past readTimeout after the first one was
  // held: a timer that outlived the frame it was armed for would drop the connection.
  const readTimeout = 1_000;
  const CUT = 7;
  let rest: { socket: Socket; bytes: Buffer } | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const frame = p.frame(answer(r.message));
      rest = { socket: r.socket, bytes: frame.subarray(CUT) };
      r.socket.write(frame.subarray(0, CUT));
    },
    { readTimeout },
  );
  let held = 0;
  let firstHeld: number | undefined;
  const chunks: number[] = [];
  watchConnectorReads(t, peer.port, (chunk) => {
    chunks.push(chunk.length);
    if (chunk.length !== CUT || rest === undefined) return;
    held += 1;
    firstHeld ??= performance.now();
    const { socket, bytes } = rest;
    rest = undefined;
    socket.write(bytes);
  });
  let disconnects = 0;
  connector.on('disconnect', () => (disconnects += 1));
  let n = 0;
  while (firstHeld === undefined || performance.now() - firstHeld < 1.5 * readTimeout) {
    n += 1;
    const response = await connector.request(purchase(String(9200 + n).padStart(6, '0')));
    assert.equal(response['39'], '00');
  }
  // Every response was read in two pieces: the first alone, the connector holding an incomplete frame.
  assert.equal(held, n, `responses held incomplete (chunks read: ${chunks.join(' ')})`);
  assert.equal(disconnects, 0);
  assert.equal(connector.stats().reconnects, 0);
});

test('readTimeout – defaults to 10000, 0 turns it off, and it is bounded like every timer', () => {
  assert.equal(validateConnectorOptions({ host: '127.0.0.1', port: 1 }).readTimeout, 10_000);
  assert.equal(validateConnectorOptions({ host: '127.0.0.1', port: 1, readTimeout: 0 }).readTimeout, 0);
  for (const readTimeout of [-1, 1.5, 2 ** 31]) {
    assert.throws(() => validateConnectorOptions({ host: '127.0.0.1', port: 1, readTimeout }), (err: Iso8583Error) =>
      err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.problems?.some((p) => p.field === 'readTimeout') === true,
    );
  }
});
