/**
 * A node taking its owner lock back on a connection that goes silent (a database host that stops answering, a network
 * that drops every packet, just as the lock's statement leaves): the take is bounded by the pool's statement timeout,
 * the add waiting for it fails with `ISO8583_ERR_CONNECTOR_STORE` (its request not sent), and once the database answers
 * again a later add takes the lock on a new connection and is stored. The take had no bound: every add of the node
 * (each request that needs a reversal) and its lease renewal waited for that one silent statement for ever, also once
 * the database was back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { freezingRelay, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** How long the add may take to fail: the statement timeout (2 s) and then some, for a busy machine. */
const FAIL_WITHIN = 15_000;

test('a lock taken back on a connection gone silent fails the add waiting for it within the statement timeout; a later add takes the lock again and is stored', async (t) => {
  const url = cluster.createDatabase('owner_register_silent');
  const relay = await freezingRelay(url);
  const pool = new pg.Pool({ connectionString: relay.url, query_timeout: 2000, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  const node = new PgJournal({ pool, lease: 600_000, owner: 'silent-node', closeTimeout: 1000 });
  t.after(async () => {
    await node.destroy();
    await relay.close();
    await pool.end().catch(() => undefined);
  });
  await node.open();
  await node.add(entry('s1'));
  // The lock's session ended by the server: the node sees it end, and takes its lock back at its next add.
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'silent-node')]);
  await waitUntil(() => node.heldSince() === undefined, { what: 'the node to see its lock\'s session end' });

  // The statement that takes the lock back goes silent (never reaches the server, never answered); then new
  // connections go through again: the database is back.
  relay.freezeOn('pg_try_advisory_lock');
  const adding = node.add(entry('s2'));
  await relay.frozen;
  relay.thaw();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    adding.then(
      () => 'stored',
      (err: { code?: string }) => err.code,
    ),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`still waiting after ${FAIL_WITHIN} ms`), FAIL_WITHIN))),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, 'ISO8583_ERR_CONNECTOR_STORE', 'the add waiting for the silent take fails, coded, and its request is not sent');

  // The next adds take the lock on a new connection (those of the pool frozen with the relay fail by their timeout first).
  let n = 3;
  await waitUntil(
    async () => {
      await node.add(entry(`s${n++}`));
      return true;
    },
    { what: 'an add to be stored once the database answers again', timeoutMs: 30_000 },
  );
  assert.equal(typeof node.heldSince(), 'number', 'the lock is held again');
  assert.ok((await lockSession(url, 'silent-node')) !== undefined, 'by a session of the server');
  const stored = await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE lease_owner = 'silent-node' AND done_at IS NULL ORDER BY id");
  assert.ok(stored.some((r) => r.id === `s${n - 1}`), 'the last add is stored');
  assert.ok(!stored.some((r) => r.id === 's2'), 'the add that failed stored nothing');
});
