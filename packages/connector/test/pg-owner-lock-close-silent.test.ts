/**
 * A journal on a pool of the caller's closing while the database goes silent as its owner is forgotten (the last
 * statement of its lock's session, `UNREGISTER`): the session's statement is bounded by the pool's statement timeout,
 * and its connection closed then. It had no bound: the lock's connection stayed open for ever (the close's cut reaches
 * only the connections of a pool the journal made), holding the process open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freezingRelay, startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('a close whose owner lock\'s last statement goes unanswered leaves no connection open, on a pool of the caller\'s', async (t) => {
  const relay = await freezingRelay(cluster.createDatabase('owner_close_silent'));
  t.after(() => relay.close());
  const pool = new pg.Pool({ connectionString: relay.url, query_timeout: 1000, connectionTimeoutMillis: 1000 });
  pool.on('error', () => undefined);
  const node = new PgJournal({ pool, lease: 600_000, owner: 'closing-node', closeTimeout: 300 });
  await node.open();
  await node.add(entry('c1'));
  await node.done('c1', 'reversed');
  relay.freezeOn('DELETE FROM iso8583_saf_owner');
  await node.close(); // bounded by closeTimeout: the close's own wait is not what this test is about
  await relay.frozen;
  await pool.end();
  await waitUntil(() => relay.open() === 0, { what: 'every connection through the relay to be closed (the owner lock\'s too)', timeoutMs: 10_000 });
  assert.equal(relay.open(), 0);
});
