// A `not-needed` names the session that took its node's owner lock by its server process and that process's start
// (owner-lock-sql.ts `ownerGone`, sr67p #2). PostgreSQL shows a session's start only to a reader with the rights of that
// session's role (or pg_read_all_stats): a caller-given pool whose sessions run under another role than the lock's
// (a 'connect' hook doing SET ROLE; the lock's session gets the pool's options, not its hooks) read no start. That
// unread start must not make the node's own lock look gone (sr68b #1): every not-needed refused, the lock dropped and
// taken again, refused again, an outage of approvals. Real roles on the test cluster, the pool's without rights.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import pg from 'pg';
import { PgJournal } from '../src/index.js';
import { entry, lockSession, sql } from './helpers/pg-owner-lock.js';

/** The pool's role: no right to read the lock session's activity (not its role, not pg_read_all_stats). */
const POOL_ROLE = 'done_pool_role';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('a pool whose sessions run under a role that cannot read the lock session\'s start: the node\'s not-needed commits, its lock kept', async (t) => {
  const url = cluster.createDatabase('done_pool_role');
  // The schema made by the cluster's own user (the lock's session's too), its tables granted to the pool's role.
  const setup = new PgJournal({ url, lease: 600_000, owner: 'setup', ownerLock: false });
  await setup.open();
  await setup.close();
  await sql(url, `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${POOL_ROLE}') THEN CREATE ROLE ${POOL_ROLE} NOLOGIN; END IF;
    END $$; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${POOL_ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${POOL_ROLE}`);
  const pool = new pg.Pool({ connectionString: url });
  pool.on('connect', (client) => void client.query(`SET ROLE ${POOL_ROLE}`).catch(() => undefined));
  const live = new PgJournal({ pool, lease: 600_000, owner: 'role-node' });
  t.after(async () => {
    await live.destroy();
    await pool.end();
  });
  await live.open();
  const session = await lockSession(url, 'role-node');
  assert.ok(session !== undefined, 'the lock held');
  // The premise: the pool's sessions see the lock's session, not when it started.
  const seen = (await pool.query<{ role: string; started: Date | null }>(
    'SELECT current_user AS role, (SELECT backend_start FROM pg_stat_get_activity($1) a) AS started', [session])).rows[0];
  assert.deepEqual(seen, { role: POOL_ROLE, started: null });
  await live.add(entry('role000001'));
  // Before sr68b #1 the unread start made the node's own lock gone: refused, the lock taken again, refused again.
  await live.done('role000001', 'not-needed');
  assert.deepEqual(await sql(url, 'SELECT done_at IS NOT NULL AS done, outcome FROM iso8583_saf WHERE id = $1', ['role000001']), [{ done: true, outcome: 'not-needed' }]);
  assert.equal(await lockSession(url, 'role-node'), session, 'the lock kept by the session that took it (not dropped and taken again)');
});
