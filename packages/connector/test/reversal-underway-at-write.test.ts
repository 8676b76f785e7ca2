// A request of a transaction is refused while that transaction's reversal is under way, also when the reversal began
// after the request was accepted and before it was written: a repeat (0201) that waits for the only connection
// (exclusive mode) while its original times out must not leave after the original's reversal was queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines } from './helpers/reversals.js';

test('a repeat accepted before its original timed out and written after its reversal was queued is refused, never sent', async (t) => {
  const dir = tempDir(t, 'journal');
  // The host never answers the purchase nor its reversal (the reversal stays under way); it would approve the repeat.
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0201') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 500, mode: 'exclusive', pool: { max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const queued: string[] = [];
  connector.on('reversal', (e) => {
    if (e.stage === 'queued') queued.push(String(e.stan));
  });
  const original = connector.request(purchase('009301'));
  await peer.waitFor(1);
  // Accepted while nothing is being reversed: journaled, then it waits for the one connection, which the original holds.
  const repeat = connector.request({ ...purchase('009301'), '0': '0201' });
  await assert.rejects(original, { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.deepEqual(queued, ['009301'], 'the original is being reversed');
  await assert.rejects(repeat, { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0201', sent: 'no' });
  assert.deepEqual(
    peer.received.map((r) => r.message['0']).filter((mti) => mti !== '0400'),
    ['0200'],
    'the repeat never reached the host',
  );
  assert.equal(connector.stats().reversalsPending, 1, 'only the original is reversed');
  // The repeat was accepted before the reversal began (its reversal journaled), then closed unsent (not-needed).
  const lines = journalLines(dir);
  assert.equal(lines.filter((l) => l.op === 'add').length, 2, 'the original and the repeat were journaled');
  assert.deepEqual(lines.filter((l) => l.op === 'done').map((l) => l.outcome), ['not-needed'], 'only the repeat is closed');
});
