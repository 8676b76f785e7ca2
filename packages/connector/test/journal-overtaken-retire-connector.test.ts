// Through a connector: a purchase times out, its reversal is answered 25 (it overtook the purchase at the bank), and the
// write of that end fails once (ended in memory, its record tried again every retryInterval). The terminal's repeat
// (0201) is then approved in time: the bank booked the purchase once, and the terminal holds that approval. The 25's
// record, written after the approval's, must not make the next start send a repeat (0401) that reverses what the
// terminal was told approved. Real sockets, a real file journal (one write failed by a fault injector on the file
// handle), the journal read back as the next start reads it; no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

test('a repeat approved in time after the 25\'s end failed to be written: the 25 written again later is retired, no repeat at the next start', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'retire-connector');
  const faults = await writeFaults(t, dir);
  // The 25's end record (it keeps the code): its first write fails.
  faults.rules.push({ marker: '"rc":"25"', fail: true });
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200') return; // still at the bank: never answered in time
    p.send(r.socket, answer(r.message, { '39': mti === '0400' ? '25' : '00' }));
  });
  const { logger, lines, text } = capturedLogger('info');
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 200 } });
  await connector.connect();
  await assert.rejects(connector.request(purchase('000701')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await waitUntil(() => (lines.some((l) => String(l.msg).startsWith('the end of a SAF entry cannot be journaled (the write failed)')) ? true : undefined), {
    what: 'the 25\'s end to fail to be written (ended in memory)',
    timeoutMs: 20_000,
  });
  const repeat = await connector.request({ ...purchase('000701'), '0': '0201' });
  assert.equal(repeat['39'], '00', 'the repeat approved in time');
  await waitUntil(() => (lines.some((l) => String(l.msg).startsWith('the end of a SAF entry ended in memory is journaled now')) ? true : undefined), {
    what: 'the 25\'s end written again',
    timeoutMs: 20_000,
  });
  await connector.close();
  const journal = new FileJournal(dir);
  const left = await journal.open();
  await journal.close();
  assert.deepEqual(left.map((e) => String(e.reversal['0'])), [], 'no repeat of a transaction the terminal was told approved');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0201']);
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
});
