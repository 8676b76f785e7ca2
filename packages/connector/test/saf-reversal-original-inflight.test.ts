// A reversal a caller stores with `saf: true` for a purchase still at the host (written, unanswered): sent at once,
// the host would answer it before booking the purchase ("25, no such transaction") and then approve the purchase, the
// card charged while the terminal thinks it reversed. The stored reversal is durable at once (the caller's receipt),
// and held until the purchase's outcome is known here: then it is sent as any stored reversal. A flush meanwhile does
// not send it either; should the purchase time out meanwhile, the stored reversal is its reversal, and the
// connector's own is not sent too (one 0400 for one booking). (A purchase journaled but not written yet: a same-STAN reversal refuses it at its write,
// reversal-underway-at-write.test.ts; a terminal's own, own-STAN reversal waits for it,
// saf-reversal-original-unwritten.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { holdingHost, journalLines, ownReversal, receivedLines, safEvent } from './helpers/reversals.js';

for (const rc of ['00', '05']) {
  test(`a reversal stored with saf: true while its purchase is at the host is sent only after the purchase's answer (${rc})`, async (t) => {
    const dir = tempDir(t, 'saf-inflight');
    // One connection: what is written goes out in order, so the host's order shows what waited.
    const { peer, connector, arrived, book } = await holdingHost(t, '094001', { requestTimeout: 10_000, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir } });
    await connector.connect();
    const sale = connector.request(purchase('094001'));
    await arrived;
    const receipt = (await connector.request(ownReversal('094001', '094002'), { saf: true })) as unknown as { saf: boolean; id: string };
    assert.equal(receipt.saf, true);
    assert.ok(journalLines(dir).some((l) => l.op === 'add' && l.id === receipt.id), 'durable before the receipt');
    assert.equal(connector.flushSaf(receipt.id), 0, 'a flush does not send it while its purchase is at the host');
    // Another terminal's purchase, sent after and answered: the reversal has not gone out before it.
    assert.equal((await connector.request(purchase('094003', 'TERM0002')))['39'], '00');
    assert.deepEqual(receivedLines(peer.received), ['0200 094001', '0200 094003'], 'nothing of the reversal reached the host yet');
    const answered = safEvent(connector, 'answered', receipt.id);
    await book(rc);
    assert.equal((await sale)['39'], rc);
    // Sent once the purchase's outcome is known: the host had the purchase when it came (approved: reversed, 00).
    const end = await answered;
    assert.equal(end.responseCode, rc === '00' ? '00' : '25');
    assert.deepEqual(receivedLines(peer.received), ['0200 094001', '0200 094003', '0400 094002']);
  });
}

test('a reversal stored with saf: true while its purchase is at the host: the purchase timed out, only the stored reversal goes (one 0400 for one booking)', async (t) => {
  const dir = tempDir(t, 'saf-inflight-timeout');
  const { peer, connector, arrived } = await holdingHost(t, '094101', { requestTimeout: 300, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  // Every SAF entry the connector queues or sends: the connector's own reversal would be queued at the timeout.
  const entries = new Set<string>();
  connector.on('saf', (e) => void entries.add(e.id));
  const sale = connector.request(purchase('094101')).then(
    () => assert.fail('the purchase is never answered'),
    (err: { code?: string }) => err.code,
  );
  await arrived;
  const receipt = (await connector.request(ownReversal('094101', '094102'), { saf: true })) as unknown as { saf: boolean; id: string };
  const answered = safEvent(connector, 'answered', receipt.id);
  assert.equal(await sale, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.deepEqual(receivedLines(peer.received), ['0200 094101'], 'the stored reversal waited for the purchase\'s outcome');
  await answered;
  // The connector's own reversal was marked done (not needed) before the hold let the stored one go: never queued.
  assert.deepEqual(receivedLines(peer.received), ['0200 094101', '0400 094102'], 'the stored reversal only, not the connector\'s own too');
  assert.deepEqual([...entries], [receipt.id], 'no other SAF entry queued');
  const ends = journalLines(dir).filter((l) => l.op === 'done' && l.id !== receipt.id);
  assert.deepEqual(ends.map((l) => l.outcome), ['not-needed'], 'the connector\'s own entry ended, durable');
});

test('the purchase timed out and the stored reversal goes instead of the connector\'s own: its transaction is refused here until that one ends', async (t) => {
  const dir = tempDir(t, 'saf-inflight-timeout-held');
  let reversalArrived: (r: Received) => void = () => undefined;
  const reversalAt = new Promise<Received>((resolve) => (reversalArrived = resolve));
  // The purchase is never answered; the stored reversal is answered only when the test says.
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti.startsWith('04')) reversalArrived(r);
      else if (mti === '0200' && r.message['11'] !== '094201') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir } },
  );
  await connector.connect();
  const sale = connector.request(purchase('094201')).catch((err: { code?: string }) => err.code);
  await peer.waitFor(1);
  const receipt = (await connector.request(ownReversal('094201', '094202'), { saf: true })) as unknown as { id: string };
  assert.equal(await sale, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const r = await reversalAt;
  assert.equal(r.message['11'], '094202', 'the stored reversal');
  // Its answer still to come: the terminal's repeat of the purchase is refused, as while the connector's own were under way.
  await assert.rejects(connector.request({ ...purchase('094201'), '0': '0201' }), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', sent: 'no' });
  const answered = safEvent(connector, 'answered', receipt.id);
  peer.send(r.socket, answer(r.message));
  await answered;
  assert.deepEqual(receivedLines(peer.received), ['0200 094201', '0400 094202']);
});
