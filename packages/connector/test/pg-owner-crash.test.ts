// A PostgreSQL crash-restart: a backend killed (SIGKILL, as the OOM killer does) makes the postmaster end every
// session and reinitialise, without a new pg_postmaster_start_time(). Every owner lock goes, live nodes' too: no live
// node is taken for gone there (the server's incarnation token, emptied with the unlogged tables, tells it apart).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { waitUntil } from '@iso8583/test-support';
import { STRANDED } from '../src/pg/saf-sql.js';
import { claimAll, entry, lockSession, nodePair, sql } from './helpers/pg-owner-lock.js';

test('a crash-restart (a backend SIGKILLed, the server\'s start time unchanged): no live node is taken for gone, and once it holds its lock again it is judged as before', async (t) => {
  const { url, relay, a, b } = await nodePair(t, 'owner_crash_restart');
  await a.add(entry('a1'));
  const [before] = await sql<{ started: string }>(url, 'SELECT pg_postmaster_start_time()::text AS started');

  relay.holdLockSession();
  // One backend killed: the postmaster ends every other session and reinitialises (crash recovery).
  const victim = new pg.Client(url);
  victim.on('error', () => undefined);
  await victim.connect();
  const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  assert.equal(typeof pid, 'number');
  process.kill(pid as number, 'SIGKILL');
  await victim.end().catch(() => undefined);
  await waitUntil(() => b.heldSince() === undefined, { what: 'node-b to see its lock\'s session end with the crash' });
  await waitUntil(
    async () => (await sql<{ ok: number }>(url, 'SELECT 1 AS ok').catch(() => []))[0]?.ok === 1,
    { what: 'the server to take connections again after its crash recovery' },
  );
  const [after] = await sql<{ started: string }>(url, 'SELECT pg_postmaster_start_time()::text AS started');
  assert.equal(after?.started, before?.started, 'a crash-restart keeps the postmaster\'s start time');
  assert.equal(typeof a.heldSince(), 'number', 'node-a has not seen its lock\'s session end');

  // node-b takes its lock again (its add); node-a, alive, has not yet: its entry is its own.
  await b.add(entry('b1'));
  assert.equal(typeof b.heldSince(), 'number');
  assert.deepEqual(await b.claim(), [], 'node-a runs: its entry is not taken over');
  assert.deepEqual(await sql(url, STRANDED, [0]), []);

  await assert.rejects(a.add(entry('a2')), { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'ownerLock' });
  await waitUntil(async () => a.heldSince() !== undefined && (await lockSession(url, 'node-a')) !== undefined, { what: 'node-a to take its lock again' });
  assert.deepEqual(await b.claim(), []);
  // Registered on the server's incarnation that runs now: once its lock's session ends, node-a is gone at once.
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
  assert.deepEqual((await claimAll(b, 1, 'node-a\'s entry to be claimed once its lock\'s session ended')).map((e) => e.id), ['a1']);
});
