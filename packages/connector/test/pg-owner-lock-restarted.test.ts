// The statements of a node's own entries (saf-sql.ts `whileLockHeld`: ADD, ATTEMPT, RENEW, REOPEN) commit only while
// the owner lock is held by the very session that took it last (its server process and start, as DONE names it since
// sr67p #2), not by any session: a node killed, and started again under the same fixed owner name, takes the same lock
// back (its row's key); a statement the dead process had sent, reaching the server after that, committed (an attempt
// never sent recorded, a reversal of an original never sent added). Real sessions: the statement is held at a relay
// until the new process holds the lock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { LockRelay } from './helpers/pg-lock-relay.js';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * The node behind `relay` dies (its lock's session ended, hidden from it; no new connection), and is started again
 * under the same name straight on `url`, holding the same lock, before the statement the relay holds runs.
 */
async function killAndRestart(t: TestContext, url: string, relay: LockRelay): Promise<void> {
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  relay.refuseNew(true);
  const again = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  t.after(() => again.destroy());
  await again.open();
  assert.ok((await lockSession(url, 'live-node')) !== undefined, 'the restarted node holds the lock');
}

test('an attempt the dead process sent, run once it was started again under the same name: not recorded', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'attempt_owner_restarted');
  await live.add(entry('back000001'));
  const held = relay.holdStatement('attempted AS (');
  const attempt = live.attempt('back000001', 1);
  attempt.catch(() => undefined);
  await held.held;
  await killAndRestart(t, url, relay);
  held.release();
  await held.over;
  // Before fix69p the lock was held (by the new process): an attempt no process sends was recorded (counted, fenced).
  const rows = await sql<{ attempts: number; fenced: boolean }>(url, 'SELECT attempts, attempt_until IS NOT NULL AS fenced FROM iso8583_saf WHERE id = $1', ['back000001']);
  assert.deepEqual(rows, [{ attempts: 0, fenced: false }]);
  await assert.rejects(attempt, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
});

test('an add the dead process sent, run once it was started again under the same name: nothing stored', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'add_owner_restarted');
  const held = relay.holdStatement('added AS (');
  const add = live.addOriginal(entry('back000002'), 1_000);
  add.catch(() => undefined);
  await held.held;
  await killAndRestart(t, url, relay);
  held.release();
  await held.over;
  // Before fix69p the reversal of an original no process sends was stored, and sent once its fence was over.
  assert.deepEqual(await sql(url, 'SELECT id FROM iso8583_saf WHERE id = $1', ['back000002']), []);
  await assert.rejects(add, { code: 'ISO8583_ERR_CONNECTOR_STORE', message: /^ownerLock: / });
});
