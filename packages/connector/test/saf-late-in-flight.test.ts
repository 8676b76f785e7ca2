// A bank slower than the SAF attempt's wait answers every attempt, late. An entry whose attempts are always in flight
// (retryInterval <= requestTimeout: the next leaves as the last times out) gets the answer of an earlier attempt while
// its next is in flight; on the connection of that next attempt it matches it (any answer under its key), but on
// another connection it is a late response. The entry must end at the first accepted 0410 that comes for it, whichever
// attempt it answers and on whichever connection, and only once (the in-flight attempt's own answer or timeout then
// changes nothing). Two connections (multiplex, least in flight first): requests held on purpose steer the repeat
// (0401) to the other connection than the first attempt (0400).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { eventWithin } from '@iso8583/test-support';

test('an SAF entry ends at the first accepted 0410 that comes late, while its repeat is in flight on another connection', async (t) => {
  const dir = tempDir(t, 'saf-late-in-flight');
  const byStan = new Map<string, Received>();
  const reversals: Received[] = [];
  const hooks: { steer?: () => void; third?: () => void } = {};
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      const mti = r.message['0'];
      if (mti === '0400' || mti === '0401') {
        reversals.push(r);
        if (reversals.length === 1) hooks.steer?.();
        if (reversals.length === 2) peer.send(reversals[0]!.socket, answer(reversals[0]!.message)); // the first attempt's answer, late
        if (reversals.length === 3) hooks.third?.();
        return;
      }
      byStan.set(r.message['11'] as string, r); // held
    },
    {
      requestTimeout: 1500,
      mode: 'multiplex',
      pool: { min: 2, max: 2 },
      reversal: { enabled: true, journalDir: dir, retryInterval: 1000 },
    },
  );
  await connector.connect();
  const answered: ReversalEvent[] = [];
  const ended = eventWithin<string>(20_000, 'the entry neither ended nor was repeated a third time within 20 s', (resolve) => {
    hooks.third = () => resolve('a third attempt: the late 0410 did not end the entry');
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered') {
        answered.push(e);
        resolve('answered');
      }
    });
  });
  // The held requests: D1 on the first connection; the purchase on the second, where its reversal's first attempt goes.
  const held = (stan: string): Promise<unknown> => connector.request(purchase(stan, 'TERM0002'), { timeout: 30_000 }).catch(() => undefined);
  const d1 = held('000001');
  await peer.waitFor(1);
  const heldAnswered: Promise<unknown>[] = [];
  hooks.steer = () => {
    // While the 0400 is in flight: D2 goes on the first connection (a tie), D3 on the second; D1 and D2 answered, so
    // that the repeat finds the first connection the least busy.
    const d2 = held('000002');
    heldAnswered.push(d1, d2, held('000003'));
    void peer.waitFor(5).then(() => {
      for (const stan of ['000001', '000002']) {
        const r = byStan.get(stan);
        if (r !== undefined) peer.send(r.socket, answer(r.message));
      }
    });
  };
  // Held, it times out and is reversed: nothing waits on its time (0.5 s; was 1.5 s).
  const err = await failure(connector.request(purchase('091201'), { timeout: 500 }));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(await ended, 'answered');
  assert.equal(reversals.length, 2);
  assert.notEqual(reversals[1]?.socket, reversals[0]?.socket, 'the repeat went on the other connection');
  assert.equal(reversals[1]?.message['0'], '0401');
  // The repeat's own answer comes too: it ends nothing more (a stop waits for the attempt in flight).
  peer.send(reversals[1]!.socket, answer(reversals[1]!.message));
  const d3 = byStan.get('000003');
  if (d3 !== undefined) peer.send(d3.socket, answer(d3.message));
  await Promise.all(heldAnswered);
  await connector.close();
  assert.equal(answered.length, 1);
  assert.equal(answered[0]?.responseCode, '00');
  assert.deepEqual(connector.stats().socketQueue.reversalAmount, 10, 'its amount counted once');
});
