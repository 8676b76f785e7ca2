// Connector.flushSaf (what a graceful stop calls): the SAF entries waiting for their next attempt are sent at once;
// an entry with an attempt in flight is left to it; an entry is announced (stage `queued`) once it waits in the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';
import { answer, purchase } from './peer.js';

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

test('flushSaf(id) sends at once only that entry; the others keep their timers', async (t) => {
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: tempDir(t, 'saf-flush'), initialDelay: 3_600_000 } });
  await connector.connect();
  await connector.request(advice('100704'), { saf: true });
  const { id } = await connector.request(advice('100705'), { saf: true });
  const answered = safEvent(connector, 'answered', id);
  assert.equal(connector.flushSaf(id), 1, 'the second advice only');
  await answered;
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['100705']);
  assert.equal(connector.stats().safDepth, 1, 'the first waits for its initial delay');
  assert.equal(connector.flushSaf(id), 0, 'an id the queue no longer holds');
  assert.equal(connector.flushSaf('no-such-entry'), 0);
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

test('a reversal is announced as queued (saf and reversal events) once journaled, before its first attempt: a listener that flushes sends it at once', async (t) => {
  // The host lets the purchase time out (reversal triggered), and answers the reversal.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 200,
    reversal: { enabled: true, journalDir: tempDir(t, 'saf-flush') },
    saf: { initialDelay: 3_600_000 },
  });
  const queued: string[] = [];
  connector.on('reversal', (e) => e.stage === 'queued' && queued.push(`reversal:${e.mti}:${e.stan}:${e.attempt}`));
  connector.on('saf', (e) => {
    if (e.stage !== 'queued') return;
    queued.push(`saf:${e.kind}:${e.mti}:${e.stan}:${e.attempt}`);
    // What a graceful stop does: the entry leaves now, not after its hour-long initial delay.
    assert.equal(connector.flushSaf(), 1);
  });
  const answered = safEvent(connector, 'answered');
  await assert.rejects(connector.request(purchase('100801')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.deepEqual(queued, ['reversal:0400:100801:0', 'saf:reversal:0400:100801:0']);
  assert.equal((await answered).mti, '0400');
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200', '0400']);
  assert.equal(connector.stats().reversalsPending, 0);
});

test('a saf listener that throws breaks nothing: the advice is accepted once, queued, sent and answered', async (t) => {
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: tempDir(t, 'saf-flush'), initialDelay: 3_600_000 } });
  connector.on('saf', (e) => {
    if (e.stage === 'queued') throw new Error('a listener bug');
  });
  await connector.connect();
  const { id } = await connector.request(advice('100703'), { saf: true });
  assert.equal(connector.stats().safDepth, 1, 'the advice waits in the queue');
  const answered = safEvent(connector, 'answered', id);
  assert.equal(connector.flushSaf(), 1, 'the advice was queued despite the listener');
  await answered;
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['100703']);
});
