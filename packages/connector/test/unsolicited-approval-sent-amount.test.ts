// A late approval that comes on another connection than its request's, reversals on, is counted as its request's late
// answer against what that request sent (fields 3, 4 and 49), as a late answer on its own connection is: the late keys
// are the connector's (late-keys.ts), so it is a `late-response` there too. Before: it was unsolicited there and the
// answer's own fields were taken, so an approval without field 4 (a bank that does not echo it) counted 0.00 secured
// for a 10.00 purchase; then it was judged against the transaction's record (money-repeats.ts `uncounted`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('a late approval without field 4 on the other connection counts the amount its request sent', async (t) => {
  const dir = tempDir(t, 'unsolicited-sent-amount');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      if (r.message['0'] === '0200') held = r; // approved late, on the other connection; its reversal never answered
    },
    { requestTimeout: 300, transactionLog: false, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const late = eventWithin<IsoMessage>(10_000, 'the approval to be reported late', (resolve) => connector.on('late-response', resolve));
  await assert.rejects(connector.request({ ...purchase('005941', 'TERM0021', '000000001000'), '7': '1206050000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await peer.waitFor(1);
  const original = held as Received;
  const other = [...peer.sockets].find((s) => s !== original.socket);
  assert.ok(other !== undefined, 'the pool holds two connections');
  const approval = answer(original.message);
  delete approval['4'];
  peer.send(other, approval);
  assert.equal((await late)['39'], '00');
  const { processed, secured } = connector.stats().amounts;
  assert.deepEqual({ processed, secured }, { processed: 1000, secured: 1000 });
});
