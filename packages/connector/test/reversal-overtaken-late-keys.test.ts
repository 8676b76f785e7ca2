// A reversal answered `25` (it overtook its original at the host) is remembered 10 minutes (the last 1000), so that
// the original's late approval is reversed again. The connection's late keys forget the oldest past 1024 timeouts:
// an approval that comes after 1024 other requests timed out on its connection is no longer a late answer but
// unsolicited. It is reversed again all the same: the 25's memory decides, not the late keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

/** More timed-out requests than a connection's late keys hold (1024). */
const OTHERS = 1100;

test('a late approval after more than 1024 other timeouts on its connection (unsolicited by then) is still reversed again when its reversal was answered 25', async (t) => {
  const dir = tempDir(t, 'overtaken-late-keys');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0401') p.send(r.socket, answer(r.message));
      // 0600s: never answered, they time out
    },
    { requestTimeout: 500, maxInFlight: OTHERS + 10, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const reversals = watchReversals(connector);
  const firstAnswered = within(reversals.reached, 10_000, 'the reversal was not answered within 10 s');
  const err = await failure(connector.request(purchase('071001')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await firstAnswered;
  // Other requests time out on the same connection: the first purchase's late key is pushed out.
  const others = Array.from({ length: OTHERS }, (_, i) => failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(200_000 + i), '41': 'TERM0002' })));
  const codes = new Set((await Promise.all(others)).map((e) => e.code));
  assert.deepEqual([...codes], ['ISO8583_ERR_CONNECTOR_TIMEOUT']);
  const again = eventWithin(10_000, 'the late approval was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const original = held as Received;
  peer.send(original.socket, answer(original.message, { '39': '00' }));
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const repeat = peer.received.find((r) => r.message['0'] === '0401')?.message as IsoMessage;
  assert.equal(repeat['11'], '071001');
  assert.equal(connector.stats().reversalsPending, 0);
});
