// A terminal's own reversal (its own STAN in field 11, the purchase in field 90) that waited for its purchase's answer
// gets its whole time for its own answer once sent: the wait for the purchase is not taken from it. Before: one
// deadline bounded both, so a purchase answered half-way through left the reversal half its time, and a host answering
// it within its own timeout of the write saw it time out (the caller told "timeout", the reversal repeated by the SAF
// queue). The timers below are deadlines of the host's answers, not an order of events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';
import { getDialect } from '@iso8583/codec';
import { buildReversal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

/** The reversal's own timeout (ms). */
const OWN = 3000;

test('a terminal\'s own reversal that waited for its purchase gets its own timeout for its answer', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'own-answer-time');
  let start = 0;
  let heldPurchase: (r: Received) => void = () => undefined;
  const arrived = new Promise<Received>((resolve) => (heldPurchase = resolve));
  const timers: NodeJS.Timeout[] = [];
  t.after(() => timers.forEach((timer) => clearTimeout(timer)));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200') return heldPurchase(r);
      // The reversal is answered past its whole time from the start (the wait and the answer on one deadline), well
      // within its own time from its write (the purchase answered half-way through).
      timers.push(setTimeout(() => p.send(r.socket, answer(r.message)), Math.max(0, start + OWN + 400 - performance.now())));
    },
    { requestTimeout: 20_000, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir } },
  );
  await connector.connect();
  const sale = connector.request(purchase('093201'));
  const held = await arrived;
  start = performance.now();
  const own: IsoMessage = { ...buildReversal(purchase('093201'), '0400', getDialect('iso87ascii')), '11': '093202' };
  const reversed = connector.request(own, { timeout: OWN });
  timers.push(setTimeout(() => peer.send(held.socket, answer(held.message)), OWN / 2));
  assert.equal((await sale)['39'], '00');
  assert.equal((await reversed)['39'], '00', 'the reversal answered within its own time from its write');
  assert.deepEqual(
    peer.received.map((r) => `${String(r.message['0'])} ${String(r.message['11'])}`),
    ['0200 093201', '0400 093202'],
    'one reversal, no repeat',
  );
});
