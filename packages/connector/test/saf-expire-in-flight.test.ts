// An entry whose expiry (`saf.expireAfter`) passes while an attempt of it is in flight: the answer to that attempt,
// when it comes within the attempt's wait, is the truth and ends it (answered, journaled and counted once, sent once),
// never given up as expired. (The expiry is looked at only before an attempt starts.) Real sockets and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { advice, journalLines } from './helpers/reversals.js';

test('an advice whose expireAfter passes while its attempt waits for the answer ends with that answer, once', async (t) => {
  const dir = tempDir(t, 'saf-expire-in-flight');
  const { logger, lines } = capturedLogger('info');
  // Long enough that a busy machine never expires it before its one attempt starts (a journal write of a second).
  const EXPIRE = 1500;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (String(r.message['0']).startsWith('08')) return p.send(r.socket, answer(r.message));
      // Answered once the entry's expiry has certainly passed: the expiry counts from its journaling, before it was
      // sent; this one timer from its arrival here, 50 ms more (a timer may fire a millisecond early of the clock).
      const timer = setTimeout(() => p.send(r.socket, answer(r.message)), EXPIRE + 50);
      t.after(() => clearTimeout(timer));
    },
    // Each attempt waits up to 5 s for its answer: far past the expiry.
    { logger, requestTimeout: 5000, saf: { enabled: true, journalDir: dir, initialDelay: 0, retryInterval: 5000, expireAfter: EXPIRE } },
  );
  await connector.connect();
  const events: SafEvent[] = [];
  const ended = new Promise<SafEvent>((resolve) =>
    connector.on('saf', (e: SafEvent) => {
      events.push(e);
      if (e.stage === 'answered' || e.stage === 'expired' || e.stage === 'abandoned') resolve(e);
    }),
  );
  const { id } = await connector.request(advice('000611'), { saf: true });
  const end = await within(ended, 10_000, 'the advice to end');
  assert.equal(end.stage, 'answered', `ended ${end.stage}: the answer that came after the expiry is the truth`);
  assert.equal(end.responseCode, '00');
  assert.deepEqual(events.map((e) => e.stage), ['queued', 'sent', 'answered']);
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'done' && l.id === id).map((l) => l.outcome), ['delivered']);
  assert.equal(connector.stats().safDelivered, 1);
  assert.equal(connector.stats().safExpired, 0);
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_SAF_EXPIRED').length, 0);
  assert.equal(peer.received.filter((r) => String(r.message['0']).startsWith('022')).length, 1, 'sent once');
});

