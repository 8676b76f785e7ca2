// When a SAF entry can next move: the `waiting` event after an attempt that did not end it (refused, unanswered), with
// its `nextAttempt`, and Connector.safNextDue, the earliest of the pending entries (what a graceful stop reads to end
// once nothing can happen before its deadline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';
import { answer } from './peer.js';

const HOUR = 3_600_000;

test('a refused attempt is followed by waiting, its nextAttempt retryInterval after it left; safNextDue says the same', async (t) => {
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message, { '39': '91' })));
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: tempDir(t, 'saf-next-due'), retryInterval: HOUR, endCodes: ['94'] } });
  await connector.connect();
  assert.equal(connector.safNextDue(), undefined, 'nothing pending');
  const stages: string[] = [];
  connector.on('saf', (e) => stages.push(e.stage));
  const before = Date.now();
  const waiting = safEvent(connector, 'waiting');
  const { id } = await connector.request(advice('100901'), { saf: true });
  const e = await waiting;
  assert.equal(e.id, id);
  assert.equal(e.attempt, 1);
  assert.equal(e.code, undefined, 'refused: its answer is the refused event');
  assert.deepEqual(stages, ['queued', 'sent', 'refused', 'waiting']);
  const next = e.nextAttempt as number;
  assert.ok(next >= before + HOUR && next <= Date.now() + HOUR, `${next} is an hour after the attempt`);
  const due = connector.safNextDue() as number;
  assert.ok(Math.abs(due - next) <= 5, `safNextDue ${due} is its nextAttempt ${next}`);
  assert.equal(connector.stats().safDepth, 1, 'still pending');
});

test('an unanswered attempt is followed by waiting with its error code; while it is in flight, safNextDue is now', async (t) => {
  const peer = await peerFor(t, () => undefined); // never answers
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-next-due'), retryInterval: HOUR, expireAfter: 2 * HOUR },
  });
  await connector.connect();
  const sent = safEvent(connector, 'sent');
  const waiting = safEvent(connector, 'waiting');
  await connector.request(advice('100902'), { saf: true });
  await sent;
  assert.ok((connector.safNextDue() as number) <= Date.now(), 'an attempt under way may end any time');
  const e = await waiting;
  assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.ok((e.nextAttempt as number) > Date.now() + HOUR - 60_000, 'due an hour after the attempt');
});

test('an entry is due at its expiry when that comes before its next attempt', async (t) => {
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message, { '39': '91' })));
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-next-due'), retryInterval: 2 * HOUR, expireAfter: HOUR, endCodes: ['94'] },
  });
  await connector.connect();
  const before = Date.now();
  const waiting = safEvent(connector, 'waiting');
  await connector.request(advice('100903'), { saf: true });
  const next = (await waiting).nextAttempt as number;
  assert.ok(next >= before + HOUR - 5 && next <= Date.now() + HOUR, `${next} is its expiry, an hour after its journaling`);
});
