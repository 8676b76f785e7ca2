// A request of a transaction is refused while that transaction's reversal is under way, also when the reversal began
// after the request was accepted and before it was written: a repeat (0201) that waits for the only connection
// (exclusive mode) must not leave after a reversal of its transaction was queued meanwhile (here one its caller stored
// with `saf: true`; a repeat while its own original is in flight is refused at once, reversal-held-transaction.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines } from './helpers/reversals.js';

test('a repeat accepted before its transaction\'s reversal was queued and written after it is refused, never sent', async (t) => {
  const dir = tempDir(t, 'journal');
  // The host never answers a purchase nor a reversal (the reversal stays under way); it would approve the repeat.
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
  // Another transaction holds the one connection until it times out.
  const blocker = connector.request(purchase('009300'));
  await peer.waitFor(1);
  // Accepted while nothing of its transaction is held: journaled, then it waits for the one connection.
  const repeat = connector.request({ ...purchase('009301'), '0': '0201' });
  // Its transaction's reversal is stored (by its caller) while it waits.
  await connector.request({ '0': '0400', '4': '000000001000', '11': '009301', '41': 'TERM0001' }, { saf: true });
  await assert.rejects(blocker, { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(repeat, { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', mti: '0201', sent: 'no' });
  assert.ok(queued.includes('009301'), 'the transaction is being reversed');
  assert.deepEqual(
    peer.received.map((r) => r.message['0']).filter((mti) => mti !== '0400'),
    ['0200'],
    'the repeat never reached the host',
  );
  // The repeat was accepted before the reversal began (its reversal journaled), then closed unsent (not-needed).
  const lines = journalLines(dir);
  assert.equal(lines.filter((l) => l.op === 'add').length, 3, 'the blocker, the repeat and the stored reversal were journaled');
  assert.deepEqual(lines.filter((l) => l.op === 'done').map((l) => l.outcome), ['not-needed'], 'only the repeat is closed');
});
