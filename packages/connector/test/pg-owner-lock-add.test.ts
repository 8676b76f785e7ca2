// An add that commits while its node's owner lock is not held (the server ended the lock's session; the node has not
// seen it yet): another node claims such an entry at once and reverses it, while its node, told the add succeeded,
// writes the original. The add checks the lock in its statement, as an attempt does: nothing is stored, the add
// fails, the request is not sent (and the node takes its lock again at once).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, lockEndedUnseen, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

for (const how of ['add', 'addOriginal'] as const) {
  test(`${how} while the server ended the owner lock's session, unseen by the node: nothing stored, it fails, and no other node reverses a request its node would send`, async (t) => {
    const { url, live } = await lockEndedUnseen(t, cluster, `owner_${how.toLowerCase()}_unseen`, 'a1');
    await assert.rejects(live[how](entry('a2')), { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'ownerLock' });
    assert.equal(live.size, 1, 'a1 held, a2 not');
    assert.deepEqual(await sql(url, "SELECT id FROM iso8583_saf WHERE id = 'a2' AND done_at IS NULL"), [], 'a2 not pending');
    // The refusal was the news: the node took its lock again at once (pg-owner-lock-refused.test.ts), and keeps a1.
    await waitUntil(() => live.heldSince() !== undefined, { what: 'the node to take its lock again' });
    const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
    t.after(() => other.close());
    assert.deepEqual(await other.open(), [], 'the other node takes nothing of a2, nor a1 (its node holds its lock again)');
    assert.deepEqual(await sql(url, 'SELECT id, lease_owner FROM iso8583_saf'), [{ id: 'a1', lease_owner: 'live-node' }]);
  });
}
