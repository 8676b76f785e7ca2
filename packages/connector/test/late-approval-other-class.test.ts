// A late approval under a key a request of another class waits under (a `matchKey` without field 0: the timed-out
// 0200's late 0210 while its own reversal, an 0400 with the same STAN and terminal, waits): counted with the amount
// its request sent (the bank echoes no field 4), once, the host's copy a duplicate. Before: counted with no amount
// (0 secured), the key never forgotten, each copy reported late and counted again. The reversal still ends answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

test('matchKey ["11", "41"]: a late 0210 without field 4 while its 0400 waits is counted with its amount, once', async (t) => {
  const dir = tempDir(t, 'late-other-class');
  let held: Received | undefined;
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200') {
        held = r; // answered late, once its reversal is at the host
        return;
      }
      if (held === undefined) return;
      // The 0400 waits under the 0200's key: the 0200's approval comes now, twice (the host's duplicate), without
      // fields 3 and 4, then the 0400's answer.
      const approval = answer(held.message);
      delete approval['3'];
      delete approval['4'];
      p.send(r.socket, approval);
      p.send(r.socket, approval);
      p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, matchKey: ['11', '41'], transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  connector.on('late-response', (m: IsoMessage) => late.push(m));
  connector.on('unsolicited', (m: IsoMessage) => unsolicited.push(m));
  const reversed = eventWithin<ReversalEvent>(10_000, 'the reversal was not answered within 10 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered') resolve(e);
    }),
  );
  const err = await failure(connector.request(purchase('071301')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await reversed; // the 0410 came after both copies on the connection: they were handled
  assert.deepEqual(late.map((m) => m['0']), ['0210'], 'the approval is reported late once');
  assert.deepEqual(unsolicited.map((m) => m['0']), ['0210'], 'its copy is the host\'s duplicate');
  const stats = connector.stats();
  assert.equal(stats.amounts.secured, 1000, 'the late approval counts the 10.00 its request sent, once');
  assert.deepEqual(stats.amounts, { processed: 1000, secured: 1000, refund: 0, reversal: 1000 }, 'approved late, then reversed');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.reversalAmount], [0, 10], 'SocketQueue nets the reversal');
});
