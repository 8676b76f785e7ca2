// The SAF queue had no limit on its count: a long outage of the host, or a client storing advices in a loop, grew it
// until the process ran out of memory (about 1.7 KB of heap an entry). `saf.maxEntries` bounds what callers store: at
// the limit an advice stored with `saf: true` is refused (ISO8583_ERR_CONNECTOR_SAF_FULL, naming the option) before it
// is journaled, so nothing is stored or sent for it; the connector's own reversal of a request that timed out is still
// taken (money is never left unreversed for a limit). Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import { advice, journalLines, safEvent } from './helpers/reversals.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { answer, purchase } from './peer.js';
import { resolveSaf } from '../src/saf-options.js';

test('saf – maxEntries defaults to 100000', () => {
  assert.equal(resolveSaf(undefined, undefined).maxEntries, 100_000);
  assert.equal(resolveSaf(undefined, { maxEntries: 0 }).maxEntries, 0);
});

test('saf – at saf.maxEntries an advice is refused before it is journaled; the connector\'s own reversal still goes in', async (t) => {
  const dir = tempDir(t, 'saf-max-entries');
  // The host answers nothing but the sign-on and echoes: every entry stays in the queue.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800') p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    reversal: { enabled: true },
    saf: { enabled: true, journalDir: dir, maxEntries: 3, retryInterval: 600_000 },
    transactionLog: false,
  });
  await connector.connect();
  // Stored at once, together: the stores under way count against the limit too.
  const stored = await Promise.allSettled(['400001', '400002', '400003', '400004', '400005'].map((stan) => connector.request(advice(stan), { saf: true })));
  const kept = stored.filter((s) => s.status === 'fulfilled');
  const refused = stored.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  assert.equal(kept.length, 3, 'three stored');
  assert.equal(refused.length, 2, 'two refused');
  for (const err of refused) {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_SAF_FULL');
    assert.equal(err.field, 'saf.maxEntries');
  }
  assert.equal(connector.stats().safDepth, 3);
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 3, 'nothing journaled for the refused ones');
  // A purchase unanswered: its reversal is taken although the queue is full.
  const queued = safEvent(connector, 'queued');
  await assert.rejects(connector.request(purchase('400010')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await queued).kind, 'reversal');
  assert.equal(connector.stats().safDepth, 4);
  assert.equal(peer.received.filter((r) => ['400004', '400005'].includes(String(r.message['11']))).length, 0, 'a refused advice never sent');
});
