// A terminal's repeat (0201) is an exact copy of its original and has the same match key as the original's answer
// (0210 | STAN | terminal under the default match key): its in-time answer is remembered under that key with the field
// 7 both sent. The original's late approval, coming on a connection whose late keys do not know it (the first one was
// lost: the usual reason for a reversal), is no copy of that answer (its field 39 differs): when the reversal was
// answered `25` (it overtook its original), the approval is reversed again (0401), not taken for the host's duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

const STAN = '058101';

test('a late approval on a new connection after the repeat was declined in time is reversed again when its reversal was answered 25 (not taken for the copy of the repeat\'s answer)', async (t) => {
  const dir = tempDir(t, 'overtaken-copy-of-repeat');
  let held: Received | undefined;
  let repeat: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') {
        held = r; // approved only later, on another connection: this one is dropped
        r.socket.destroy();
      } else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0201') {
        repeat = r;
        p.send(r.socket, answer(r.message, { '39': '05' }));
      } else if (mti === '0401') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 2_000, reconnect: { initialDelay: 10, maxDelay: 10 }, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } },
  );
  const reversals = watchReversals(connector);
  const first = within(reversals.reached, 10_000, 'the reversal was not answered within 10 s');
  const lost = await failure(connector.request(purchase(STAN)));
  assert.equal(lost.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  await first;
  // The terminal repeats the purchase (the same fields, field 7 too): declined in time on the new connection.
  assert.equal((await connector.request({ ...purchase(STAN), '0': '0201' }))['39'], '05');
  const again = eventWithin(10_000, 'the late approval was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  // The original's approval comes late, on the repeat's connection (its field 7 the one the repeat sent too).
  peer.send((repeat as Received).socket, answer((held as Received).message, { '39': '00' }));
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const reversed = peer.received.find((r) => r.message['0'] === '0401')?.message as IsoMessage;
  assert.deepEqual([reversed['11'], reversed['7']], [STAN, (held as Received).message['7']]);
  assert.equal(connector.stats().reversalsPending, 0);
});
