// A reversal a caller stores with `saf: true` for a purchase still at the host (written, unanswered): sent at once,
// the host would answer it before booking the purchase ("25, no such transaction") and then approve the purchase, the
// card charged while the terminal thinks it reversed. The stored reversal is durable at once (the caller's receipt),
// and held until the purchase's outcome is known here: then it is sent as any stored reversal. A flush meanwhile does
// not send it either; should the purchase time out meanwhile, the connector's own reversal goes as well as the
// stored one (the host reverses once; the second is answered as a repeat). (A purchase journaled but not written yet: a same-STAN reversal refuses it at its write,
// reversal-underway-at-write.test.ts; a terminal's own, own-STAN reversal waits for it,
// saf-reversal-original-unwritten.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { purchase } from './peer.js';
import { tempDir } from './helpers/setup.js';
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

test('a reversal stored with saf: true while its purchase is at the host: the purchase timed out, both reversals go after it', async (t) => {
  const dir = tempDir(t, 'saf-inflight-timeout');
  const { peer, connector, arrived } = await holdingHost(t, '094101', { requestTimeout: 300, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  const answered = new Set<string>();
  const both = eventWithin<void>(10_000, 'the two reversals were not answered within 10 s', (resolve) =>
    connector.on('saf', (e) => {
      if (e.stage === 'answered') answered.add(e.id);
      if (answered.size === 2) resolve();
    }),
  );
  const sale = connector.request(purchase('094101')).then(
    () => assert.fail('the purchase is never answered'),
    (err: { code?: string }) => err.code,
  );
  await arrived;
  await connector.request(ownReversal('094101', '094102'), { saf: true });
  assert.equal(await sale, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.deepEqual(receivedLines(peer.received), ['0200 094101'], 'the stored reversal waited for the purchase\'s outcome');
  await both;
  assert.deepEqual(receivedLines(peer.received).slice(1).sort(), ['0400 094101', '0400 094102'], 'the connector\'s own reversal and the stored one');
  // Neither entry was ended unsent (no `not-needed`): both reached the host.
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'done' && l.outcome === 'not-needed'), []);
});
