// A late approval on another connection than its request's (the late keys are the connector's: a `late-response` there
// too) before its reversal's `25` is noted by the reversals and reversed again when the `25` comes (reversal-overtaken.ts).
// It is at the bank: it counts in the figures once, as a late approval on its own connection does, and the repeat
// reversal counts against it. Before: the repeat reversal (0401) counted 10.00 in `reversal`, the approval nothing in
// `processed` and `secured` ("secured minus reversal" went negative). Real sockets, two connections, a real journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('a late approval on the other connection the reversals take before its reversal\'s 25 counts once, as its repeat reversal does', async (t) => {
  const dir = tempDir(t, 'unsolicited-approval-figures');
  let held: Received | undefined;
  let reversalCame: (r: Received) => void = () => undefined;
  const reversal = new Promise<Received>((resolve) => (reversalCame = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only once it timed out, on the other connection
      else if (mti === '0400') reversalCame(r); // answered 25 when the test says
      else if (mti === '0401') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  const answered: string[] = [];
  connector.on('reversal', (e) => {
    if (e.stage === 'answered') answered.push(`${e.mti} ${String(e.responseCode)}`);
  });
  const late: IsoMessage[] = [];
  const cameLate = eventWithin(10_000, 'the approval to be reported late', (resolve) =>
    connector.on('late-response', (m) => (late.push(m), resolve(undefined))),
  );
  await connector.connect();
  await assert.rejects(connector.request(purchase('005901'), { timeout: 300 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const first = await within(reversal, 10_000, 'the reversal to be sent');
  const original = held as Received;
  const other = [...peer.sockets].find((s) => s !== original.socket);
  assert.ok(other !== undefined, 'two connections');
  peer.send(other, answer(original.message));
  await cameLate;
  const again = eventWithin(10_000, 'the repeat reversal to be answered', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  peer.send(first.socket, answer(first.message, { '39': '25' }));
  await again;
  assert.equal(late.length, 1);
  assert.deepEqual(answered, ['0400 25', '0401 00']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 1000 }, 'the approval counted once, and its reversal');
  // SocketQueue's securedAmount is net of reversals: 0, not -10.00.
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.reversalAmount], [0, 10]);
});
