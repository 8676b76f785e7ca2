// An advice of the SAF queue answered with a decline (05: neither an approval nor a system error) ends `delivered`
// (the host had it; a repeat would get the same answer), and is logged at warn with its code
// (ISO8583_WARN_SAF_ADVICE_DECLINED, its STAN, terminal and response code, no card data): it ended silently, counted
// as delivered, and only the reversal's decline was logged. An approved advice writes no such line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advice, safEvent } from './helpers/reversals.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { answer } from './peer.js';

test('saf – an advice answered with a decline ends delivered and is logged at warn with its code', async (t) => {
  const { lines, logger } = capturedLogger('info');
  const codes = new Map([['000201', '05'], ['000202', '00']]);
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0220') p.send(r.socket, answer(r.message, { '39': codes.get(String(r.message['11'])) ?? '00' }));
  }, { requestTimeout: 1000, logger, saf: { enabled: true, journalDir: tempDir(t, 'saf-advice-declined'), initialDelay: 0, retryInterval: 60_000 } });
  await connector.connect();
  for (const stan of codes.keys()) {
    const answered = safEvent(connector, 'answered');
    await connector.request(advice(stan), { saf: true });
    const e = await answered;
    assert.equal(e.stan, stan);
    assert.equal(e.responseCode, codes.get(stan));
  }
  assert.equal(connector.stats().safDelivered, 2, 'both delivered: the host had them');
  assert.equal(connector.stats().safDepth, 0);
  assert.equal(peer.received.filter((r) => r.message['0'] === '0220' || r.message['0'] === '0221').length, 2, 'neither repeated');
  const declined = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_ADVICE_DECLINED');
  assert.equal(declined.length, 1, 'the decline only');
  const line = declined[0] as Record<string, unknown>;
  assert.equal(line.level, 40);
  assert.equal(line.stan, '000201');
  assert.equal(line.terminal, 'TERM0001');
  assert.equal(line.responseCode, '05');
  assert.equal(line.kind, 'advice');
  assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no PAN in the log');
});
