// Through a connector (sr68i #5): nine purchases reusing one STAN at one terminal (other amounts: other bookings) time
// out, each reversal answered 25 (it overtook its purchase at the bank). The memory keeps 8 under one STAN and terminal
// (PER_KEY): the ninth pushes the first out, which stats().safOvertakenDropped counts and a warn line names. Real
// sockets, a real file journal; no sleeps (each reversal's end waited for by the pending count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';

test('a reversal pushed out of the memory past PER_KEY is counted in stats().safOvertakenDropped and named (cause PER_KEY)', { timeout: 60_000 }, async (t) => {
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['0']) === '0400') p.send(r.socket, answer(r.message, { '39': '25' })); // purchases: never answered
  });
  const { logger, lines, text } = capturedLogger('info');
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, logger, reversal: { enabled: true, journalDir: tempDir(t, 'overtaken-dropped'), retryInterval: 60_000 } });
  await connector.connect();
  for (let i = 1; i <= 9; i++) {
    await assert.rejects(connector.request(purchase('000801', 'TERM0001', String(i * 1000).padStart(12, '0'))), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    await waitUntil(() => (peer.received.filter((r) => String(r.message['0']) === '0400').length === i && connector.stats().reversalsPending === 0 ? true : undefined), {
      what: `reversal ${i} answered 25 and ended`,
      timeoutMs: 20_000,
    });
  }
  assert.equal(connector.stats().safOvertakenDropped, 1, 'the oldest of the nine forgotten, counted');
  const named = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED');
  assert.deepEqual(named.map((l) => [l.cause, l.source, l.stan, l.terminal, l.responseCode]), [['PER_KEY', 'memory', '000801', 'TERM0001', '25']]);
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
});
