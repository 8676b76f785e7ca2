// A journal opened without the owner lock (`ownerLock: false`) under the name of an earlier run with the lock that
// died (its owner row left, its lock held by no session): other nodes judged that owner gone and took this run's new
// entries at once, whatever their lease (sr67n #4). Now the open forgets that row (owner-lock-sql.ts
// FORGET_STALE_OWNER): the lease alone says when this run's entries, and the dead run's, can be claimed. A row whose
// lock a session holds (a journal of that name runs) refuses the start, as with the lock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Node `owner` on `url` (a lease of 10 minutes: no lease ends during a test), open; destroyed after the test. */
async function node(t: TestContext, url: string, owner: string, options: { ownerLock?: boolean } = {}): Promise<PgJournal> {
  const journal = new PgJournal({ url, lease: 600_000, owner, ...options });
  t.after(() => journal.destroy());
  await journal.open();
  return journal;
}

test('ownerLock: false under the name of a dead run with the lock: its entries are not taken before their lease ends', async (t) => {
  const url = cluster.createDatabase('owner_off_stale_row');
  const b = await node(t, url, 'node-b'); // with its lock: the server's token made, so a row of this server can be judged gone
  // The row an earlier run of node-a with the lock left (killed): registered here, its lock held by no session.
  await sql(url, `INSERT INTO iso8583_saf_owner (owner, server_started, server_token)
    SELECT 'node-a', server_started, server_token FROM iso8583_saf_owner WHERE owner = 'node-b'`);
  const a = await node(t, url, 'node-a', { ownerLock: false });
  await a.add(entry('live000001'));
  // Before fix69p node-b took it at once (node-a gone by that row), while this live run holds it for 10 minutes.
  assert.deepEqual(await b.claim(), []);
  assert.deepEqual(await sql(url, 'SELECT owner FROM iso8583_saf_owner ORDER BY owner'), [{ owner: 'node-b' }]);
  assert.equal(typeof (await a.attempt('live000001', 1)), 'number', 'this run still holds its entry');
});

test('ownerLock: false under the name of a journal that runs with the lock: the start is refused', async (t) => {
  const url = cluster.createDatabase('owner_off_same_name');
  await node(t, url, 'node-a');
  const twin = new PgJournal({ url, lease: 600_000, owner: 'node-a', ownerLock: false });
  t.after(() => twin.destroy());
  await assert.rejects(twin.open(), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', message: /^owner: another journal that runs has the same owner name/ });
  assert.ok((await lockSession(url, 'node-a')) !== undefined, 'the running journal keeps its lock');
});
