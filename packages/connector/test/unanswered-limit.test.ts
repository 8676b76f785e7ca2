// `unansweredLimit` (fix69c, rv69c #1): a host whose network layer answers echo tests while its authorisations hang.
// That many requests in a row timed out on a connection, none answered in time between, close it as an unanswered echo
// does; one answer starts the count over, an answer to an echo test does not; the backoff grows while no request is
// answered. Real peer on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DisconnectInfo } from '../src/index.js';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { capturedLogger, connectorFor, peerFor } from './helpers/setup.js';

const TIMEOUT = { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' };
const echoesAt = (peer: Peer): number => peer.received.filter((r) => r.message['0'] === '0800').length;

/** A peer answering every 0800, and a 0200 only when its STAN is in `answered`. */
async function echoOnlyPeer(t: Parameters<typeof peerFor>[0], answered: ReadonlySet<string> = new Set()): Promise<Peer> {
  return peerFor(t, (r, p) => {
    if (r.message['0'] === '0800' || answered.has(String(r.message['11']))) p.send(r.socket, answer(r.message));
  });
}

test('a single answer starts the count over; the limit-th timeout in a row closes the connection, named at warn with the count', async (t) => {
  const peer = await echoOnlyPeer(t, new Set(['700003']));
  const { logger, lines } = capturedLogger('warn');
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 200, unansweredLimit: 3, transactionLog: false, logger });
  const drops: DisconnectInfo[] = [];
  connector.on('disconnect', (info) => drops.push(info));
  await connector.connect();
  for (const stan of ['700001', '700002']) await assert.rejects(connector.request(purchase(stan)), TIMEOUT);
  assert.equal((await connector.request(purchase('700003')))['39'], '00');
  for (const stan of ['700004', '700005']) await assert.rejects(connector.request(purchase(stan)), TIMEOUT);
  assert.equal(drops.length, 0, 'two in a row after an answer: the connection stays');
  assert.equal(connector.stats().connected, 1);
  await assert.rejects(connector.request(purchase('700006')), TIMEOUT);
  await waitUntil(() => (drops.length > 0 ? true : undefined), { what: 'the connection closed at the third timeout in a row' });
  assert.equal(drops[0]!.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  const warn = lines.find((l) => l.msg === 'requests in a row not answered: closing the connection');
  assert.equal(warn?.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal(warn?.unanswered, 3);
  assert.ok(!JSON.stringify(lines).includes('4111111111111111'), 'no card number in the log');
});

test('answers to echo tests between the timeouts do not start the count over', async (t) => {
  const peer = await echoOnlyPeer(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, echoInterval: 50, unansweredLimit: 3, transactionLog: false });
  const drops: DisconnectInfo[] = [];
  connector.on('disconnect', (info) => drops.push(info));
  await connector.connect();
  for (const stan of ['710001', '710002']) {
    await assert.rejects(connector.request(purchase(stan)), TIMEOUT);
    // An echo sent and answered (the peer answers as it reads) after this timeout, before the next request's starts:
    // its answer is read before that request's expiry (the expiry waits a turn for what was received).
    const echoes = echoesAt(peer);
    await waitUntil(() => (echoesAt(peer) > echoes ? true : undefined), { what: 'an echo test after the timeout' });
  }
  assert.equal(drops.length, 0, 'two timeouts with echoes answered between: the connection stays');
  await assert.rejects(connector.request(purchase('710003')), TIMEOUT);
  await waitUntil(() => (drops.length > 0 ? true : undefined), { what: 'the connection closed though echoes were answered' });
  assert.equal(drops[0]!.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
});

test('a host answering echoes only: each close waits a longer backoff (its echo answers are no success), and the new connection answers an echo first', async (t) => {
  const peer = await echoOnlyPeer(t);
  const initialDelay = 200;
  const connector = connectorFor(t, {
    host: '127.0.0.1', port: peer.port, requestTimeout: 150, echoInterval: 60_000, unansweredLimit: 2,
    reconnect: { initialDelay, maxDelay: 10_000 }, transactionLog: false,
  });
  const drops: DisconnectInfo[] = [];
  connector.on('disconnect', (info) => drops.push(info));
  await connector.connect();
  for (let stan = 720_001; drops.length < 3; stan++) {
    assert.ok(stan < 720_100, `${drops.length} closes after 99 requests unanswered`);
    await connector.request(purchase(String(stan))).catch(() => undefined);
  }
  assert.ok(drops.every((d) => d.code === 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST'));
  // Ceilings 200, 400, 800 (each wait between half and all of its ceiling): the third at least 400; started over, 200 at most.
  assert.ok(drops[2]!.retryIn! > initialDelay, `third wait ${drops[2]!.retryIn} ms grew past ${initialDelay}`);
  // Each new connection answered an echo test before its first request (the first connection none: no close before).
  const sockets = [...new Set(peer.received.map((r) => r.socket))];
  assert.ok(sockets.length >= 3);
  for (const socket of sockets.slice(1)) assert.equal(peer.received.find((r) => r.socket === socket)?.message['0'], '0800');
});
