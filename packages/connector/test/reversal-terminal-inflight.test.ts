// A terminal's own reversal (its own STAN in field 11, the original named in field 90) of a purchase still in flight
// at the host: sent at once, the host would answer it before booking the purchase ("25, no such transaction") and then
// approve the purchase, the card charged while the terminal thinks it reversed. It waits for the purchase's outcome,
// within its own time: relayed once the purchase is answered; refused (as the same reversal) once the purchase timed
// out and the connector reverses it itself; refused unsent when its own time runs out first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purchase } from './peer.js';
import { tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { holdingHost, ownReversal, receivedLines, watchReversals } from './helpers/reversals.js';

test('a terminal\'s own reversal of a purchase in flight waits for its answer, then reaches the host', async (t) => {
  const dir = tempDir(t, 'own-inflight');
  // One connection: what is written goes out in order, so the host's order shows what waited.
  const { peer, connector, arrived, book } = await holdingHost(t, '093001', { requestTimeout: 10_000, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  const sale = connector.request(purchase('093001'));
  await arrived;
  const own = connector.request(ownReversal('093001', '093002'));
  // Another terminal's purchase, sent after the reversal and answered: the reversal has not gone out before it.
  assert.equal((await connector.request(purchase('093003', 'TERM0002')))['39'], '00');
  await book();
  assert.equal((await sale)['39'], '00');
  assert.equal((await own)['39'], '00', 'the host had the purchase when the reversal came: reversed');
  assert.deepEqual(receivedLines(peer.received), ['0200 093001', '0200 093003', '0400 093002']);
});

test('a terminal\'s own reversal waiting for a purchase that times out: the connector\'s reversal is the one sent', async (t) => {
  const dir = tempDir(t, 'own-inflight-timeout');
  const { peer, connector } = await holdingHost(t, '093101', { requestTimeout: 300, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  const answered = watchReversals(connector).reached;
  const sale = failure(connector.request(purchase('093101')));
  await peer.waitFor(1);
  const own = failure(connector.request(ownReversal('093101', '093102'), { timeout: 10_000 }));
  assert.equal((await sale).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const refused = await own;
  assert.deepEqual([refused.code, refused.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'the same reversal as the one under way');
  await answered;
  assert.deepEqual(receivedLines(peer.received), ['0200 093101', '0400 093101'], 'one reversal reached the host');
});

test('a terminal\'s own reversal whose time runs out while its purchase is in flight: refused, never sent', async (t) => {
  const dir = tempDir(t, 'own-inflight-deadline');
  const { peer, connector, book } = await holdingHost(t, '093201', { requestTimeout: 10_000, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  const sale = connector.request(purchase('093201'));
  await peer.waitFor(1);
  const refused = await failure(connector.request(ownReversal('093201', '093202'), { timeout: 100 }));
  assert.deepEqual([refused.code, refused.sent, refused.field], ['ISO8583_ERR_CONNECTOR_DEADLINE', 'no', '90']);
  await book();
  assert.equal((await sale)['39'], '00');
  assert.deepEqual(receivedLines(peer.received), ['0200 093201']);
});
