// A repeat approved in time retires its transaction's kept 25 in the file journal whatever this node's memory holds.
// Purchase A times out and its reversal is answered 25 (kept by the journal: the purchase may still be approved late);
// then purchase B, the same STAN and terminal used again at another transmission time, does the same, and this node's
// memory of A's 25 is replaced by B's. A's repeat (0201) is then approved in time: the terminal holds that approval.
// Before (commit 8d424505): only this node's memory was asked, which no longer named A, so A's 25 stayed kept and the
// next start sent a repeat (0401) reversing what the terminal was told approved. Real sockets, a real file journal
// read back as the next start reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

test('a repeat approved in time retires its kept 25 in the file journal after this node\'s memory moved to a newer booking of the STAN', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'retire-forgotten');
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200') return; // still at the bank: never answered in time
      p.send(r.socket, answer(r.message, { '39': mti === '0400' ? '25' : '00' }));
    },
    { requestTimeout: 300, transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const a = { ...purchase('093301', 'TERM0020', '000000001000'), '7': '1206040000' };
  const b = { ...purchase('093301', 'TERM0020', '000000002500'), '7': '1206040100' };
  for (const buy of [a, b]) {
    const answered = safEvent(connector, 'answered');
    assert.equal((await failure(connector.request(buy))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    assert.equal((await answered).responseCode, '25', 'the reversal undid nothing: kept');
  }
  assert.equal((await connector.request({ ...a, '0': '0201' }, { timeout: 10_000 }))['39'], '00', 'A\'s repeat approved in time');
  await connector.close();
  const journal = new FileJournal(dir);
  const left = await journal.open();
  await journal.close();
  assert.deepEqual(
    left.map((e) => `${String(e.reversal['0'])} ${String(e.reversal['4'])}`),
    ['0401 000000002500'],
    'B\'s 25 still kept (its late approval may come); A\'s retired: the terminal holds its approval',
  );
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0200', '0400', '0201']);
});
