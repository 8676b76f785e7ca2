// A reversal the terminal sends itself (its own STAN in field 11, the purchase named in field 90) and its caller
// stores with `saf: true` while the purchase is journaled but not written yet (here: waiting for the one connection,
// still signing on). It is filed under its own STAN, so the purchase is not refused at its write; sent at once, it
// would reach the host before the purchase ("25, no such transaction") and the purchase then be approved: the card
// charged while the terminal thinks it reversed. It is held until the purchase's outcome is known here, as one stored
// while the purchase is at the host (saf-reversal-original-inflight.test.ts). Real sockets and files; gates, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { getDialect } from '@iso8583/codec';
import { waitUntil, within } from '@iso8583/test-support';
import { buildReversal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines, safEvent } from './helpers/reversals.js';

test('a reversal with its own STAN stored with saf: true while its purchase waits for a connection is sent only after the purchase\'s answer', async (t) => {
  const dir = tempDir(t, 'saf-unwritten');
  let booked = false;
  const gates = { signOn: (): void => undefined, purchase: (): void => undefined };
  let purchaseArrived: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (purchaseArrived = resolve));
  // The host holds the sign-on and the purchase 094201 until the test lets them go; a reversal of the purchase is
  // answered 25 while the purchase is not booked (answered) yet; anything else at once.
  const { peer, connector } = await peerAndConnector(
    t,
    (r: Received, p) => {
      const mti = String(r.message['0']);
      const reply = (fields: IsoMessage = {}): void => void p.send(r.socket, answer(r.message, fields));
      if (mti === '0800' && r.message['70'] === '001') gates.signOn = () => reply();
      else if (mti === '0200' && r.message['11'] === '094201') {
        gates.purchase = () => {
          booked = true;
          reply();
        };
        purchaseArrived();
      } else if (mti.startsWith('04') && String(r.message['90']).slice(4, 10) === '094201') reply({ '39': booked ? '00' : '25' });
      else reply();
    },
    { signOn: true, requestTimeout: 10_000, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir } },
  );
  const connected = connector.connect();
  await peer.waitFor(1);
  // The purchase is journaled (its transaction armed), then waits for the one connection, still signing on.
  const sale = connector.request(purchase('094201'));
  await waitUntil(() => journalLines(dir).some((l) => l.op === 'add'), { what: 'the purchase journaled', timeoutMs: 10_000 });
  const own = { ...buildReversal(purchase('094201'), '0400', getDialect('iso87ascii')), '11': '094202' };
  const receipt = (await connector.request(own, { saf: true })) as unknown as { saf: boolean; id: string };
  assert.equal(receipt.saf, true);
  const answered = safEvent(connector, 'answered', receipt.id);
  gates.signOn();
  await within(connected, 10_000, 'signed on');
  await within(arrived, 10_000, 'the purchase written');
  // Another terminal's purchase, sent after and answered: the reversal has not gone out before it.
  assert.equal((await connector.request(purchase('094203', 'TERM0002')))['39'], '00');
  const seen = (): string[] => peer.received.map((r) => `${String(r.message['0'])} ${String(r.message['11'])}`);
  assert.deepEqual(seen(), ['0800 ' + String(peer.received[0]?.message['11']), '0200 094201', '0200 094203'], 'nothing of the reversal reached the host before the purchase\'s answer');
  gates.purchase();
  assert.equal((await sale)['39'], '00');
  // Sent once the purchase's outcome is known: the host had the purchase when it came, so it reversed it.
  assert.equal((await answered).responseCode, '00');
  assert.deepEqual(seen().slice(3), ['0400 094202']);
});
