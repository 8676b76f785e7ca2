// A reversal overtook its original at the host, and the host's approval of the original comes BEFORE the reversal's
// `25` (in one read, or on another connection), after the connection's late keys forgot the original (more than 1024
// other requests timed out on it): the approval is not late by the late keys, and no `25` is remembered yet. It must
// still be noted as a late approval, so that the `25` that follows finds it and the original is reversed again
// (0401). A control with no other timeouts (the approval late by the late keys) is reversed the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

/** More timed-out requests than a connection's late keys hold (1024). */
const OTHERS = 1100;

async function approvalBefore25(t: Parameters<typeof tempDir>[0], others: number): Promise<void> {
  const dir = tempDir(t, 'overtaken-approval-first');
  let original: Received | undefined;
  let reversal: Received | undefined;
  let reversalHeld: () => void = () => undefined;
  const reversalSent = new Promise<void>((resolve) => (reversalHeld = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') original = r; // approved only later, just before its reversal's 25
      else if (mti === '0400') {
        reversal = r; // held: answered 25 only after the approval
        reversalHeld();
      } else if (mti === '0401') p.send(r.socket, answer(r.message));
      // 0600s: never answered, they time out
    },
    { requestTimeout: 30_000, maxInFlight: OTHERS + 10, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const reversals = watchReversals(connector);
  const err = await failure(connector.request(purchase('071001'), { timeout: 500 }));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await reversalSent;
  // While the 0400 is in flight, other requests time out on the same connection: the purchase's late key is pushed out.
  const timedOut = Array.from({ length: others }, (_, i) =>
    failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(200_000 + i), '41': 'TERM0002' }, { timeout: 300 })),
  );
  const codes = new Set((await Promise.all(timedOut)).map((e) => e.code));
  assert.ok(others === 0 || (codes.size === 1 && codes.has('ISO8583_ERR_CONNECTOR_TIMEOUT')), [...codes].join());
  const again = eventWithin(15_000, 'the late approval was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  // The approval first, then the reversal's 25, on the same socket.
  const held = original as Received;
  const rev = reversal as Received;
  peer.send(held.socket, answer(held.message, { '39': '00' }));
  peer.send(rev.socket, answer(rev.message, { '39': '25' }));
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const repeat = peer.received.find((r) => r.message['0'] === '0401')?.message as IsoMessage;
  assert.equal(repeat['11'], '071001');
  assert.equal(peer.received.filter((r) => r.message['0'] === '0401').length, 1, 'one repeat');
  assert.equal(connector.stats().reversalsPending, 0);
}

test('an approval that comes before its reversal\'s 25 after more than 1024 other timeouts on its connection is still reversed again', async (t) => {
  await approvalBefore25(t, OTHERS);
});

test('control: an approval late by the late keys that comes before its reversal\'s 25 is reversed again', async (t) => {
  await approvalBefore25(t, 0);
});
