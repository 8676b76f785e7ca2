// Connector.flushSaf (what a graceful stop calls): the SAF entries waiting for their next attempt are sent at once;
// an entry with an attempt in flight is left to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';

test('flushSaf sends at once an advice waiting for its initialDelay, and it is answered', async (t) => {
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: tempDir(t, 'saf-flush'), initialDelay: 3_600_000 } });
  await connector.connect();
  const { id } = await connector.request(advice('100701'), { saf: true });
  const answered = safEvent(connector, 'answered', id);
  assert.equal(connector.flushSaf(), 1, 'the advice waiting for its hour-long initial delay');
  const e = await answered;
  assert.equal(e.mti, '0220');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['100701']);
  assert.equal(connector.stats().safDepth, 0);
  assert.equal(connector.flushSaf(), 0, 'nothing left to send');
});

test('flushSaf leaves an entry whose attempt is in flight to it (never two attempts at once)', async (t) => {
  const peer = await peerFor(t, () => undefined); // never answers
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: tempDir(t, 'saf-flush'), retryInterval: 3_600_000 }, requestTimeout: 3_600_000 });
  await connector.connect();
  const { id } = await connector.request(advice('100702'), { saf: true });
  await safEvent(connector, 'sent', id);
  assert.equal(connector.flushSaf(), 0, 'its attempt is in flight');
  assert.equal(connector.stats().safDepth, 1);
});

test('flushSaf is 0 on a connector with neither reversal nor SAF', async (t) => {
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false } });
  assert.equal(connector.flushSaf(), 0);
});
