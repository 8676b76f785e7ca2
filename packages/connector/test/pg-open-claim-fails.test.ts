/**
 * A `PgJournal` whose first claim fails at `open` (the statement times out: the table locked by another session) leaves
 * nothing running, as a failure to connect or migrate does: its owner lock's session and its pool's connections were
 * left open (a process that handled the error never ended), its lease renewal running.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { OWNER_LOCK_NAMESPACE, PgJournal } from '../src/index.js';
import { IN_THIS_DATABASE } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('open rejects with the store error when its first claim fails, and leaves no session, owner lock or renewal behind', async () => {
  const url = cluster.createDatabase('open_claim_fails');
  const first = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  await first.open(); // the schema made
  await first.close();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE iso8583_saf IN ACCESS EXCLUSIVE MODE');
    // The server cancels the claim, waiting for the lock, after 300 ms (the migration runs without a timeout: not it).
    const journal = new PgJournal({ url: `${url}?options=-c%20statement_timeout%3D300`, upstream: 'bank', lease: 60_000, owner: 'node-claim-fails' });
    await assert.rejects(journal.open(), (err: { code?: string; message?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_STORE' && /cannot claim entries \(57014[:)]/.test(err.message ?? ''));
    await admin.query('ROLLBACK');
    const left = await waitUntil(
      async () => {
        const { rows } = await admin.query<{ sessions: number; locks: number; owners: number }>(
          `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS sessions,
             (SELECT count(*)::int FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = $1 AND ${IN_THIS_DATABASE}) AS locks,
             (SELECT count(*)::int FROM iso8583_saf_owner WHERE owner = 'node-claim-fails') AS owners`,
          [OWNER_LOCK_NAMESPACE],
        );
        const r = rows[0] as { sessions: number; locks: number; owners: number };
        return r.sessions === 0 && r.locks === 0 ? r : undefined;
      },
      { what: 'the failed open to leave no session and no owner lock', timeoutMs: 5000 },
    );
    assert.equal(left.owners, 0, 'the owner is forgotten, as at any close');
    assert.equal(journal.size, 0);
    await assert.rejects(journal.add({ id: 'after', reversal: { '0': '0400', '11': '000001', '41': 'T1' }, at: Date.now() }), { code: 'ISO8583_ERR_CONNECTOR_STORE', message: /not open/ });
  } finally {
    await admin.end();
  }
});
