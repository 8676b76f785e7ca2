/**
 * A destroy (a gateway's abort, a stop whose deadline passed) while requests are at the host: their reversals stay in
 * the journal for the next start, and the figures the abort's last line reads (`reversalsPending`, `safDepth`) count
 * them. They counted none (the SAF queue had stopped when the failed requests came to trigger their reversals), so an
 * abort said `"reversalsPending":0` while the next start reversed every one of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('a destroy with purchases at the host counts their reversals as pending; the next start sends exactly those', async (t) => {
  const dir = tempDir(t, 'journal');
  let answering = false;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (answering || r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  }, { requestTimeout: 30_000, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  const failed = ['009001', '009002', '009003'].map((stan) => connector.request(purchase(stan)).then(() => 'answered', (err: { code?: string }) => err.code));
  await peer.waitFor(3);
  await connector.destroy();
  assert.deepEqual(await Promise.all(failed), ['ISO8583_ERR_CONNECTOR_CLOSED', 'ISO8583_ERR_CONNECTOR_CLOSED', 'ISO8583_ERR_CONNECTOR_CLOSED']);
  const stats = connector.stats();
  assert.equal(stats.reversalsPending, 3, 'the reversals the journal keeps for the next start');
  assert.equal(stats.safDepth, 3);
  // What the figures said is what the journal holds: the next start reverses the three (as repeats: 0401).
  answering = true;
  const next = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  t.after(() => next.destroy());
  await next.connect();
  const reversals = (await peer.waitFor(6)).slice(3).map((r) => `${String(r.message['0'])}:${String(r.message['11'])}`).sort();
  assert.deepEqual(reversals, ['0401:009001', '0401:009002', '0401:009003']);
});
