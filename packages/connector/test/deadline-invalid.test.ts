// A `deadline` (send options) that is not a number (NaN, a string, a Date) is refused before the request is accepted,
// naming `deadline` (ISO8583_ERR_CONNECTOR_OPTIONS, never written), as a bad `timeout` is. Taken as is, it made the
// answer's wait NaN ms: the purchase was written and timed out at once though the host answered, and reversed.
// Real sockets, a real file journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('deadline – NaN, a string or a Date is refused naming deadline, never written; a number still works', async (t) => {
  const dir = tempDir(t, 'deadline-invalid');
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journalDir: dir },
    transactionLog: false,
  });
  await connector.connect();
  const bad: unknown[] = [NaN, '5000', new Date()];
  for (const [i, deadline] of bad.entries()) {
    await assert.rejects(connector.request(purchase(`00770${i}`), { deadline: deadline as number }), (err: { code?: string; field?: string; sent?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', String(deadline));
      assert.equal(err.field, 'deadline');
      assert.equal(err.sent, 'no');
      return true;
    });
  }
  assert.equal((await connector.request(purchase('007709'), { deadline: performance.now() + 10_000 }))['39'], '00');
  // A refused one written would be on the one connection before this answered one: the host got only this.
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['007709'], 'none of them reached the host');
  assert.equal(connector.stats().reversalsPending, 0, 'nothing reversed');
});
