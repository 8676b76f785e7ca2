// An upstream group whose upstream's reversal journal is a shared PostgreSQL store: a purchase refused there
// `ISO8583_ERR_CONNECTOR_DUPLICATE_KEY` because the same transaction (STAN and terminal) is in flight on another node
// for the same upstream is no collision of another transaction (this node holds nothing under that key): it is never
// tried on the next upstream, whose bank could approve what the first bank may approve. Only a refusal by this node's
// own in-memory key, of a transaction the upstream does not hold, goes on. Real PostgreSQL, real peers on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { purchase } from './peer.js';
import { peerAndConnector, peerFor, startGroup, tempDir, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('upstream group on a shared store: a purchase in flight on another node for the same upstream is refused there and stays (never sent to B)', async (t) => {
  const url = cluster.createDatabase('group_other_node');
  // Node 1: a lone connector to the bank, its purchase in flight (the bank holds it).
  const { peer: bank1, connector: node1 } = await peerAndConnector(t, () => undefined, {
    requestTimeout: 60_000,
    reversal: { enabled: true, journal: new PgJournal({ url, upstream: 'bank', owner: 'node-1', lease: 60_000 }) },
    transactionLog: false,
  });
  await node1.connect();
  const first = failure(node1.request({ ...purchase('059001', 'TERMNOD1'), '32': '111111' }));
  await bank1.waitFor(1);
  // Node 2: a group of the same bank (A, the shared store) and another bank (B).
  const a = await peerFor(t);
  const b = await peerFor(t);
  const group = await startGroup(t, {
    strategy: 'failover',
    upstreams: [
      { ...upstream('A', a), transactionLog: false, reversal: { enabled: true, journal: new PgJournal({ url, upstream: 'bank', owner: 'node-2', lease: 60_000 }) } },
      { ...upstream('B', b), transactionLog: false, reversal: { enabled: true, journalDir: tempDir(t, 'group-other-node-b') } },
    ],
  }, () => []);
  const again = await failure(group.request({ ...purchase('059001', 'TERMNOD1'), '32': '111111' }));
  assert.equal(again.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'refused by the shared store: in flight on node 1');
  assert.equal(again.sent, 'no');
  assert.deepEqual([a.received.length, b.received.length], [0, 0], 'neither bank got it: B could approve what the bank may approve');
  await node1.destroy();
  await first;
});
