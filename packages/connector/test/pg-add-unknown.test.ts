// An add whose statement failed on the node's side (a timeout, a broken connection) may still commit on the server:
// the node told its caller it failed, so the request was never sent. Its row must then end, not wait for its lease
// to run out and be claimed by another node, which would send the bank a reversal of a request it never got. So too
// when the add commits only after the renewal's FORGET began (its snapshot without the row; sr64i #2).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('PgJournal: an add that timed out on the node but committed on the server afterwards is ended (not-sent), never claimed and sent by another node', async (t) => {
  const url = cluster.createDatabase('add_unknown');
  // The node's statements time out after 1 s on its side (as the store's pool does after 10 s); the server goes on.
  const pool = new pg.Pool({ connectionString: url, query_timeout: 1000 });
  const locker = new pg.Client({ connectionString: url });
  const node = new PgJournal({ pool, lease: 1500, owner: 'node-a' });
  const other = new PgJournal({ url, lease: 1500, owner: 'node-b' });
  t.after(async () => {
    await locker.end().catch(() => undefined);
    await Promise.all([node.close(), other.close()]);
    await pool.end();
  });
  await Promise.all([node.open(), other.open(), locker.connect()]);

  // The table is locked (a long migration, a vacuum full, a stuck session): the add waits on the server past its timeout.
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE iso8583_saf IN EXCLUSIVE MODE');
  const entry = { id: 'u1', reversal: { '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': '000001' }, at: Date.now() };
  await assert.rejects(node.add(entry), { code: 'ISO8583_ERR_CONNECTOR_STORE' }, 'the caller is told it failed: the request is not sent');
  await locker.query('COMMIT');

  const check = new pg.Pool({ connectionString: url });
  t.after(() => check.end());
  const row = await waitUntil(
    async () => (await check.query<{ outcome: string | null; done: boolean }>("SELECT outcome, done_at IS NOT NULL AS done FROM iso8583_saf WHERE id = 'u1' AND done_at IS NOT NULL")).rows[0],
    { what: 'the add that committed after all to be ended' },
  );
  assert.deepEqual(row, { outcome: 'not-sent', done: true });
  await check.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
  assert.deepEqual(await other.claim(), [], 'no node sends a reversal of a request that was never sent');
});

test('PgJournal: such an add is not taken back by the node\'s own claim either (its request was not sent); close ends it', async (t) => {
  const url = cluster.createDatabase('add_unknown_claim');
  const pool = new pg.Pool({ connectionString: url, query_timeout: 1000 });
  const locker = new pg.Client({ connectionString: url });
  const check = new pg.Pool({ connectionString: url });
  // A long lease: no renewal ends the entry before the claim below.
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a' });
  t.after(async () => {
    await locker.end().catch(() => undefined);
    await node.close();
    await Promise.all([pool.end(), check.end()]);
  });
  await Promise.all([node.open(), locker.connect()]);
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE iso8583_saf IN EXCLUSIVE MODE');
  const entry = { id: 'u2', reversal: { '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': '000002' }, at: Date.now() };
  await assert.rejects(node.add(entry), { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  await locker.query('COMMIT');
  await waitUntil(async () => (await check.query("SELECT 1 FROM iso8583_saf WHERE id = 'u2'")).rowCount === 1, { what: 'the add to commit after all' });
  await check.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
  assert.deepEqual(await node.claim(), [], 'not handed to the SAF queue: it would reverse a request never sent');
  await node.close();
  assert.deepEqual((await check.query("SELECT outcome FROM iso8583_saf WHERE id = 'u2'")).rows, [{ outcome: 'not-sent' }]);
});

/** The node's pool, whose CLAIM answers can be held back (`gate`) on their way to the node: network latency. */
function gatedClaims(pool: pg.Pool, gated: number): { gate: () => void; asked: Promise<void> } {
  const query = pool.query.bind(pool) as (text: string, params?: unknown[]) => Promise<unknown>;
  let n = 0;
  let open: () => void = () => undefined;
  let asked: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const askedP = new Promise<void>((resolve) => (asked = resolve));
  (pool as unknown as { query: typeof query }).query = (text, params) => {
    const p = query(text, params);
    if (!text.startsWith('UPDATE iso8583_saf s SET lease_owner')) return p;
    n += 1;
    if (n === gated) asked();
    return n === gated ? p.then(async (r) => (await gate, r)) : p;
  };
  return { gate: open, asked: askedP };
}

/** An add whose statement timed out on the node and committed after all, its lease already ended: claimable. */
async function lateAdd(url: string, node: PgJournal, check: pg.Pool, id: string): Promise<void> {
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE iso8583_saf IN EXCLUSIVE MODE');
  const entry = { id, reversal: { '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': '000003', '41': 'T1' }, at: Date.now() };
  await assert.rejects(node.add(entry), { code: 'ISO8583_ERR_CONNECTOR_STORE' }, 'the caller is told it failed: the request is not sent');
  await locker.query('COMMIT');
  await locker.end();
  await waitUntil(async () => (await check.query('SELECT 1 FROM iso8583_saf WHERE id = $1', [id])).rowCount === 1, { what: 'the add to commit after all' });
  await check.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
}

const renewOnce = (node: PgJournal): Promise<void> => (node as unknown as { renewOnce(): Promise<void> }).renewOnce();

test('PgJournal: a claim whose later statement is slow does not hand over an entry of its first one that a renewal ended meanwhile (its add failed)', async (t) => {
  const url = cluster.createDatabase('add_unknown_race');
  const pool = new pg.Pool({ connectionString: url, query_timeout: 1000 });
  const check = new pg.Pool({ connectionString: url });
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a', claimBatch: 1 });
  t.after(async () => {
    await node.close();
    await Promise.all([pool.end(), check.end()]);
  });
  await node.open();
  await lateAdd(url, node, check, 'u3');
  const { gate, asked } = gatedClaims(pool, 2);
  const claiming = node.claim();
  await asked; // the first CLAIM (full: claimBatch 1) came back with u3; the second is on its way
  await renewOnce(node); // the renewal timer fires meanwhile: FORGET ends u3
  gate();
  assert.deepEqual(await claiming, [], 'not handed to the SAF queue: it would reverse a request never sent');
  assert.deepEqual((await check.query("SELECT outcome FROM iso8583_saf WHERE id = 'u3'")).rows, [{ outcome: 'not-sent' }]);
});

test('PgJournal: an entry a renewal ended (its add failed) while its claim was on the way back is not reopened by an attempt: never sent', async (t) => {
  const url = cluster.createDatabase('add_unknown_reopen');
  const pool = new pg.Pool({ connectionString: url, query_timeout: 1000 });
  const check = new pg.Pool({ connectionString: url });
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a' });
  t.after(async () => {
    await node.close();
    await Promise.all([pool.end(), check.end()]);
  });
  await node.open();
  await lateAdd(url, node, check, 'u4');
  const { gate, asked } = gatedClaims(pool, 1);
  const claiming = node.claim();
  await asked;
  // The claim committed; its answer is held up while the renewal ends the entry.
  await waitUntil(async () => (await check.query("SELECT 1 FROM iso8583_saf WHERE id = 'u4' AND lease_until > now()")).rowCount === 1, { what: 'the claim to commit' });
  await renewOnce(node);
  gate();
  for (const e of await claiming) {
    await assert.rejects(node.attempt(e.id, 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' }, 'the SAF queue must not send a reversal of a request never sent');
  }
  assert.deepEqual((await check.query("SELECT outcome, attempts FROM iso8583_saf WHERE id = 'u4'")).rows, [{ outcome: 'not-sent', attempts: 0 }]);
});

test('PgJournal: an unsure add that commits after the renewal\'s FORGET began is ended by it all the same (not-sent), never left pending', async (t) => {
  const url = cluster.createDatabase('add_unknown_forget_late');
  const check = new pg.Pool({ connectionString: url });
  const adder = new pg.Client({ connectionString: url });
  const node = new PgJournal({ url, upstream: 'up', lease: 600_000, owner: 'node-a' });
  const other = new PgJournal({ url, upstream: 'up', lease: 600_000, owner: 'node-b' });
  t.after(async () => {
    await adder.end().catch(() => undefined);
    await Promise.all([node.close(), other.close()]);
    await check.end();
  });
  await Promise.all([node.open(), other.open(), adder.connect()]);
  // The add of u5 as the server runs it, its transaction not committed yet, while the node was told it failed (its
  // connection broke): u5 is unsure, and the renewal's FORGET starts before the add commits (its snapshot without u5).
  const reversal = { '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': '000005', '41': 'T1' };
  await adder.query('BEGIN');
  const [{ pid } = { pid: 0 }] = (await adder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await adder.query(
    "INSERT INTO iso8583_saf (id, upstream, entry, attempts, lease_owner, lease_until) VALUES ('u5', 'up', $1, 0, 'node-a', now() + interval '10 minutes')",
    [{ id: 'u5', reversal, at: Date.now() }],
  );
  (node as unknown as { unsure: Set<string> }).unsure.add('u5');
  const renewing = renewOnce(node);
  await waitUntil(
    async () => (await check.query("SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid)) AND query LIKE 'WITH k AS MATERIALIZED%'", [pid])).rowCount === 1,
    { what: 'FORGET to wait for the add\'s transaction' },
  );
  await adder.query('COMMIT');
  await renewing;
  assert.deepEqual((await check.query("SELECT outcome, done_at IS NOT NULL AS done, attempts FROM iso8583_saf WHERE id = 'u5'")).rows, [{ outcome: 'not-sent', done: true, attempts: 0 }],
    'ended by that FORGET: its insert waited for the add and updated the row it committed');
  await check.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second'");
  assert.deepEqual(await other.claim(), [], 'no node sends a reversal of a request that was never sent');
});
