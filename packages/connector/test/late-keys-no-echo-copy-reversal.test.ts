// Two purchases under one STAN and terminal time out, reversals on, and the bank echoes no field 7: the host's copy of
// one purchase's late answer is the host's duplicate (unsolicited, counted nowhere), never the other purchase's
// answer. Before: with reversals on the copy reached the reversals' approval check, which took it for the newest
// record under the key (the other purchase's, not yet counted) and counted it (5000 against a true 3500); with equal
// amounts the copy was paired with the other purchase by its amount before its digest was checked (20.00 secured
// against a true 10.00, the other purchase's own answer unsolicited).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

/** The answers the connector reports, late and unsolicited, and a promise for the `n`th of them. */
function reports(connector: Connector, n: number): { late: IsoMessage[]; unsolicited: IsoMessage[]; all: Promise<unknown> } {
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  const all = eventWithin(10_000, `${n} answers from the bank to be taken`, (resolve) => {
    const seen = (): void => {
      if (late.length + unsolicited.length === n) resolve(undefined);
    };
    connector.on('late-response', (m) => (late.push(m), seen()));
    connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  });
  return { late, unsolicited, all };
}

/**
 * Two purchases (`amounts`, at two transmission times) under one STAN and terminal timed out, reversals on: each one's
 * reversal is answered (the key is then free for the second purchase), the purchases never in time.
 */
async function twoTimedOut(t: TestContext, stan: string, amounts: [string, string]) {
  const dir = tempDir(t, 'late-keys-no-echo-copy');
  const purchases: Received[] = [];
  let gotBoth: () => void = () => undefined;
  const both = new Promise<void>((resolve) => (gotBoth = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200' && purchases.push(r) === 2) gotBoth();
      if (r.message['0'] === '0400') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, transactionLog: false, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  let reversed = 0;
  let next: () => void = () => undefined;
  connector.on('reversal', (e) => {
    if (e.stage !== 'answered' || e.mti !== '0400') return;
    reversed++;
    next();
  });
  const reversals = (n: number): Promise<unknown> => eventWithin(10_000, `${n} reversals to be answered`, (resolve) => {
    next = () => void (reversed >= n && resolve(undefined));
    next();
  });
  await assert.rejects(connector.request({ ...purchase(stan, 'TERM0021', amounts[0]), '7': '1206040000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reversals(1); // the key is free again
  await assert.rejects(connector.request({ ...purchase(stan, 'TERM0021', amounts[1]), '7': '1206040100' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reversals(2);
  await eventWithin(10_000, 'both purchases to reach the bank', (resolve) => void both.then(resolve));
  const [a, b] = purchases as [Received, Received];
  /** The bank's answer to `r` without field 7 (it echoes none). */
  const bare = (r: Received, code = '00'): IsoMessage => {
    const reply = answer(r.message, { '37': r === a ? '000000000001' : '000000000002', '39': code });
    delete reply['7'];
    return reply;
  };
  return { peer, connector, a, b, bare };
}

test('reversals on: the copy of a late answer without field 7 is not counted as the other request\'s answer', async (t) => {
  const { peer, connector, a, b, bare } = await twoTimedOut(t, '005931', ['000000002500', '000000001000']);
  const seen = reports(connector, 3);
  peer.send(a.socket, bare(a));
  peer.send(a.socket, bare(a)); // the host's copy
  peer.send(b.socket, bare(b));
  await seen.all;
  assert.deepEqual(seen.late.map((m) => m['4']), ['000000002500', '000000001000'], 'each purchase\'s answer late, once');
  assert.deepEqual(seen.unsolicited.map((m) => m['4']), ['000000002500'], 'the copy is the host\'s duplicate');
  const { processed, secured } = connector.stats().amounts;
  assert.deepEqual({ processed, secured }, { processed: 3500, secured: 3500 });
});

test('equal amounts: the copy of a late answer without field 7 is not paired with the other request by its amount', async (t) => {
  const { peer, connector, a, b, bare } = await twoTimedOut(t, '005932', ['000000001000', '000000001000']);
  const seen = reports(connector, 3);
  peer.send(a.socket, bare(a));
  peer.send(a.socket, bare(a)); // the host's copy
  peer.send(b.socket, bare(b, '05'));
  await seen.all;
  assert.deepEqual(seen.late.map((m) => m['39']), ['00', '05'], 'each purchase\'s answer late, once');
  assert.deepEqual(seen.unsolicited.map((m) => m['39']), ['00'], 'the copy is the host\'s duplicate');
  const { processed, secured } = connector.stats().amounts;
  assert.deepEqual({ processed, secured }, { processed: 2000, secured: 1000 });
});
