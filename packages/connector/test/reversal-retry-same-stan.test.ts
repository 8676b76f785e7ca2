// A terminal that repeats a purchase with the same STAN (and field 7) after the connector reversed it: its first send
// timed out, the connector's reversal was answered 25 (the bank found nothing to undo). The retry is a request of its
// own: not refused as a duplicate, answered by the bank's answer to it, and counted once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

test('a purchase retried with the same STAN after its reversal was answered 25: sent, answered, counted once', async (t) => {
  const dir = tempDir(t, 'retry-same-stan');
  let first = true;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      // The first purchase never reaches the bank's books (lost on the way back); its reversal finds nothing (25).
      if (mti === '0200' && first) {
        first = false;
        return;
      }
      p.send(r.socket, answer(r.message, { '39': mti === '0400' ? '25' : '00' }));
    },
    { requestTimeout: 300, transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const buy = { ...purchase('093001', 'TERM0018', '000000003000'), '7': '1206038000' };
  const answered = safEvent(connector, 'answered');
  assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await answered).responseCode, '25');
  const retry = await connector.request({ ...buy }, { timeout: 10_000 });
  assert.equal(retry['39'], '00', 'the retry is answered by the bank');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 0 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [30, 30]);
});

test('a purchase retried with the same STAN after the connector\'s reversal of it was accepted: a new booking, counted again', async (t) => {
  // Before: the retry was taken for a resend of the reversed purchase, so SocketQueue's processedAmount passed it on
  // once (30, for two 0200s the bank got and one it books now).
  const dir = tempDir(t, 'retry-same-stan-reversed');
  let first = true;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200' && first) {
        first = false;
        return;
      }
      p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const buy = { ...purchase('093011', 'TERM0018', '000000003000'), '7': '1206038100' };
  const answered = safEvent(connector, 'answered');
  assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await answered).responseCode, '00', 'the bank undid the first purchase');
  assert.equal((await connector.request({ ...buy }, { timeout: 10_000 }))['39'], '00', 'the retry is answered by the bank');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 3000 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount, stats.socketQueue.reversalAmount], [0, 60, 30]);
});
