// An approval whose `not-needed` committed in the shared store while its reply was lost, then the store away: the
// request waits (its reopen, up to its deadline) before its caller is told. In exclusive mode that wait must not keep
// the connection it was answered on: the connection is sound once the response is in, and every other request (an
// 0800, an advice) needs it meanwhile. Real PostgreSQL behind a real TCP relay that loses the reply, a real socket peer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { lockRelay } from './helpers/pg-lock-relay.js';

/** Far longer than the test: the reversal's own attempt never runs during it. */
const LONG = 600_000;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('exclusive mode, one connection: an 0800 is answered while an approval waits for its journal to reopen its entry', async (t) => {
  const url = cluster.createDatabase('answer_unseen_pool');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const journal = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node', upstream: 'bank' });
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 10_000 },
    requestTimeout: 30_000,
    reversal: { enabled: true, journal },
    saf: { initialDelay: LONG, retryInterval: LONG },
    transactionLog: false,
  });
  await connector.connect();
  const done = relay.holdStatement('SET done_at = now(), outcome = d.outcome');
  let settled = false;
  const first = connector.request(purchase('000501')).then(() => undefined, (e: unknown) => e).finally(() => (settled = true));
  await done.held;
  done.commitThenCut(); // committed on the server, its reply lost
  await done.over;
  relay.away(true);
  await waitUntil(() => relay.away(true) >= 1, { what: 'a try to reopen the entry while the store is away', timeoutMs: 15_000 });
  // Before the fix the only connection stayed with the first request: POOL_EXHAUSTED after acquireTimeout.
  const echo = await within(connector.request({ '0': '0800', '7': '1121103000', '11': '000777', '70': '301' }), 15_000, 'the 0800 answer');
  assert.equal(echo['39'], '00');
  assert.equal(settled, false, 'the first request still waits for its entry to be reopened');
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200', '0800']);
  relay.away(false);
  const err = await within(first, 30_000, 'the first request to fail once the store is back');
  assert.equal((err as { code?: string } | undefined)?.code, 'ISO8583_ERR_CONNECTOR_STORE');
});
