/**
 * A journal on a pool of the caller's closing while the database goes silent as its owner is forgotten (the last
 * statement of its lock's session, `UNREGISTER`): the session's statement is bounded by the pool's statement timeout,
 * and its connection closed then. It had no bound: the lock's connection stayed open for ever (the close's cut reaches
 * only the connections of a pool the journal made), holding the process open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freezingRelay, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
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

test('a close that outlasts closeTimeout while its owner lock\'s last statement goes unanswered cuts that session at once, on a pool of the caller\'s without a statement bound', async (t) => {
  // No query_timeout on the caller's pool: the UNREGISTER's own bound is TAKE_WAIT (10 s). The journal's cut after
  // closeTimeout found no session to end (the close had let go of it before its UNREGISTER), and the connection
  // stayed open, holding the process, for those 10 s.
  const relay = await freezingRelay(cluster.createDatabase('owner_close_silent_cut'));
  t.after(() => relay.close());
  const pool = new pg.Pool({ connectionString: relay.url, connectionTimeoutMillis: 1000 });
  pool.on('error', () => undefined);
  const node = new PgJournal({ pool, lease: 600_000, owner: 'cut-node', closeTimeout: 300 });
  await node.open();
  await node.add(entry('c2'));
  await node.done('c2', 'reversed');
  relay.freezeOn('DELETE FROM iso8583_saf_owner');
  await node.close();
  await relay.frozen;
  await pool.end();
  // Far below the 10 s the UNREGISTER would wait, with room for a busy machine.
  await waitUntil(() => relay.open() === 0, { what: 'the owner lock\'s session cut with the close (not after its 10 s statement bound)', timeoutMs: 5000 });
});
