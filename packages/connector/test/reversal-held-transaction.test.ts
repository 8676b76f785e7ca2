// A reversible request (0200, a repeat 0201) of a transaction that is in flight or being reversed is refused wherever
// it would go: on another connection of the same connector (a pool of two), on another upstream of a group (round robin
// while the original is in flight; failover after the original's link dropped and its reversal is queued there).
// Else the host approves the repeat and the original's reversal then undoes the approval its caller saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { peerAndConnector, peerFor, startGroup, tempDir, upstream, groupEvent } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

const mtisAt = (peer: Peer): string[] => peer.received.map((r) => String(r.message['0']));

test('a repeat on a pool of two connections while its original is in flight, then while it is reversed: refused, never written', async (t) => {
  // The host never answers the purchase nor its reversal; it would approve a repeat.
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0201') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 500, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: tempDir(t, 'held-pool'), retryInterval: 60_000 } },
  );
  await connector.connect();
  const original = failure(connector.request(purchase('061001')));
  await peer.waitFor(1);
  const inFlight = await failure(connector.request({ ...purchase('061001'), '0': '0201' }));
  assert.deepEqual([inFlight.code, inFlight.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'refused while the original is in flight');
  assert.equal((await original).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const reversing = await failure(connector.request({ ...purchase('061001'), '0': '0201' }));
  assert.deepEqual([reversing.code, reversing.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'refused while it is reversed');
  await peer.waitFor(2);
  assert.deepEqual(mtisAt(peer), ['0200', '0400'], 'the repeat never reached the host');
  // Another transaction goes as before, and an answered one frees its key.
  const other = await connector.request({ ...purchase('061002'), '0': '0201' });
  assert.equal(other['39'], '00');
  const again = await connector.request({ ...purchase('061002'), '0': '0201' });
  assert.equal(again['39'], '00', 'an answered transaction holds nothing');
});

test('a repeat given to a round-robin group while its original is in flight on the other upstream: refused there, never at the other bank', async (t) => {
  const holding = (r: Received, p: Peer): void => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  };
  const a = await peerFor(t, holding);
  const b = await peerFor(t, holding);
  const reversal = (name: string): { enabled: true; journalDir: string; retryInterval: number } => ({ enabled: true, journalDir: tempDir(t, `held-${name}`), retryInterval: 60_000 });
  const group = await startGroup(
    t,
    { strategy: 'round-robin', upstreams: [{ ...upstream('a', a), requestTimeout: 60_000, reversal: reversal('a') }, { ...upstream('b', b), requestTimeout: 60_000, reversal: reversal('b') }] },
    () => [],
  );
  const held = failure(group.request(purchase('061101')));
  await a.waitFor(1);
  const repeat = await failure(group.request({ ...purchase('061101'), '0': '0201' }));
  assert.deepEqual([repeat.code, repeat.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no']);
  // The next request of another transaction goes to b by the strategy: the repeat took no turn there.
  const other = failure(group.request(purchase('061102')));
  await b.waitFor(1);
  assert.deepEqual(mtisAt(a), ['0200']);
  assert.deepEqual(b.received.map((r) => String(r.message['11'])), ['061102'], 'b never got the repeat');
  await group.destroy();
  await held;
  await other;
});

test('a repeat given to a failover group after its original was lost with the primary link: refused by the primary, whose reversal is queued', async (t) => {
  // The primary drops its link when the purchase arrives, and never answers the reversal (it stays under way).
  const a = await peerFor(t, (r) => {
    if (r.message['0'] === '0200') r.socket.destroy();
  });
  const b = await peerFor(t);
  const group = await startGroup(
    t,
    {
      strategy: 'failover',
      upstreams: [
        { ...upstream('primary', a), reconnect: { initialDelay: 60_000, maxDelay: 60_000 }, reversal: { enabled: true, journalDir: tempDir(t, 'held-primary'), retryInterval: 60_000 } },
        { ...upstream('backup', b), reversal: { enabled: true, journalDir: tempDir(t, 'held-backup'), retryInterval: 60_000 } },
      ],
    },
    () => [],
  );
  const primary = group.connectors.get('primary');
  assert.ok(primary !== undefined);
  const queued = safEvent(primary, 'queued');
  const down = groupEvent(group, 'down', 'primary');
  const lost = await failure(group.request(purchase('061201')));
  assert.deepEqual([lost.code, lost.sent], ['ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'maybe']);
  await queued;
  await down;
  assert.deepEqual(group.healthy(), ['backup']);
  const repeat = await failure(group.request({ ...purchase('061201'), '0': '0201' }));
  assert.deepEqual([repeat.code, repeat.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no']);
  const fresh = await failure(group.request(purchase('061201')));
  assert.equal(fresh.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'the original sent again as new is refused too');
  assert.deepEqual(mtisAt(b), [], 'the backup bank never got the transaction');
  // Another transaction fails over to the backup as before.
  assert.equal((await group.request(purchase('061202')))['39'], '00');
  assert.deepEqual(mtisAt(b), ['0200']);
});
