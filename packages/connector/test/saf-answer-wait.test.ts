// An SAF attempt waits min(requestTimeout, saf.retryInterval) for its answer. A bank steadily slower than that answered
// each attempt after its wait: the answer (00) was dropped as a late response, and the entry was repeated every
// retryInterval without ever ending in this process (the stop reported it left). A late answer to an entry's last
// attempt, while the entry waits for its next one, is now that attempt's answer and ends it; exactly one outcome: an
// answer that comes once a repeat has left is the repeat's or a late response, never a second end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { peerFor, connectorFor, tempDir } from './helpers/setup.js';
import { safEvent } from './helpers/reversals.js';
import { eventWithin } from '@iso8583/test-support';
import type { SafEvent } from '../src/index.js';

const advice = { '0': '0220', '2': '4111111111111111', '3': '000000', '4': 2500, '11': '618171', '41': '00992468' };

test('an advice answered after its attempt timed out, before its repeat, ends with that answer, once', async (t) => {
  const requestTimeout = 150;
  const peer = await peerFor(t, (r, p) => {
    // A bank slower than requestTimeout (four times it), well within retryInterval.
    setTimeout(() => p.send(r.socket, answer(r.message)), 4 * requestTimeout);
  });
  const bank = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout, saf: { enabled: true, journalDir: tempDir(t, 'saf-late'), retryInterval: 60_000 } });
  const events: SafEvent[] = [];
  bank.on('saf', (e) => events.push(e));
  await bank.connect();
  const answered = safEvent(bank, 'answered');
  await bank.request(advice, { saf: true });
  const e = await answered;
  assert.equal(e.mti, '0220', 'its first attempt was answered');
  assert.equal(e.attempt, 1);
  assert.equal(e.responseCode, '00');
  assert.deepEqual(events.map((x) => x.stage), ['queued', 'sent', 'waiting', 'answered'], 'timed out, then ended by the late answer; no repeat');
  assert.equal(bank.stats().safDelivered, 1);
  assert.equal(bank.stats().safDepth, 0);
  await bank.close();
});

test('an answer to the first attempt that comes once the repeat left, then the repeat\'s: one end', async (t) => {
  let first: Received | undefined;
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0220') {
      first = r; // held until the repeat comes
      return;
    }
    // The repeat: the first attempt's answer now (the repeat in flight takes it), then the repeat's own.
    if (first !== undefined) p.send(first.socket, answer(first.message));
    p.send(r.socket, answer(r.message));
  });
  const bank = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 100, saf: { enabled: true, journalDir: tempDir(t, 'saf-late-race'), retryInterval: 300 } });
  const ends: SafEvent[] = [];
  bank.on('saf', (e) => {
    if (e.stage === 'answered') ends.push(e);
  });
  await bank.connect();
  // Of the two answers, one is the repeat's (the entry's end); the other finds nothing to end: reported, not a second end.
  const extra = eventWithin(10_000, 'the other answer to be reported', (resolve) => {
    bank.on('late-response', () => resolve(undefined));
    bank.on('unsolicited', () => resolve(undefined));
  });
  const answered = safEvent(bank, 'answered');
  await bank.request(advice, { saf: true });
  await Promise.all([answered, extra]);
  assert.equal(ends.length, 1, 'one end');
  assert.equal(ends[0]?.mti, '0221', 'the repeat in flight took the first answer');
  assert.equal(bank.stats().safDelivered, 1);
  assert.equal(bank.stats().safDepth, 0);
  await bank.close();
});
