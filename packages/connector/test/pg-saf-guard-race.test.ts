// The cross-node duplicate check of `PgJournal.addOriginal` is atomic: an add of the same transaction (terminal, STAN)
// still uncommitted on another node, or in the same batch of this node, is seen (a unique index), not only the
// committed ones (NOT EXISTS cannot see them).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { ADD } from '../src/pg/saf-sql.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const original = (id: string, stan = '000001', terminal = 'TERM0001'): JournalEntry => ({ id, reversal: { '0': '0400', '4': '000000001000', '11': stan, '41': terminal }, at: Date.now() });

/**
 * How many adds (`INSERT INTO iso8583_saf`) of `client`'s database wait for a lock: another test file's database on
 * the same server (sharedPostgres) may have adds of its own waiting.
 */
async function addsWaiting(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO iso8583_saf %'");
  return rows[0]?.n ?? 0;
}

const refused = (err: { code?: string }): boolean => {
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY');
  return true;
};

test('PgJournal: addOriginal waits for another node\'s uncommitted add of the same transaction and is refused once it commits', async () => {
  const url = cluster.createDatabase('guard_race_nodes');
  const b = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  await b.open();
  const holder = new pg.Client({ connectionString: url });
  // The lock wait is watched from a connection of its own: inside the holder's transaction `pg_stat_activity` is a
  // snapshot taken at its first read, which never shows a wait that began after it (the test then waited out the
  // add's 10 s statement timeout: ISO8583_ERR_CONNECTOR_STORE).
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  try {
    // Another node's add, as its statement runs, not committed yet.
    await holder.query('BEGIN');
    await holder.query(ADD, ['bank', 'node-a', 60_000, JSON.stringify([{ ...original('a1'), guard: 60_000 }]), ['bank'], null, 'bank', null, null, null]);
    let settled = false;
    const adding = b.addOriginal(original('b1')).finally(() => {
      settled = true;
    });
    adding.catch(() => undefined);
    await waitUntil(async () => {
      if (settled) return true;
      return (await addsWaiting(watcher)) > 0;
    }, { what: 'the second add waiting on the first one\'s lock (or settled)', timeoutMs: 20_000 });
    await holder.query('COMMIT');
    await assert.rejects(adding, refused);
    const { rows } = await holder.query<{ id: string }>('SELECT id FROM iso8583_saf ORDER BY id');
    assert.deepEqual(rows.map((r) => r.id), ['a1'], 'the refused entry was not stored');
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
    await watcher.end();
    await b.close();
  }
});

test('PgJournal: two addOriginal of the same transaction in the same tick on one node: exactly one is refused', async () => {
  const url = cluster.createDatabase('guard_race_batch');
  const a = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  await a.open();
  try {
    const outcomes = await Promise.allSettled([a.addOriginal(original('x1')), a.addOriginal(original('x2')), a.addOriginal(original('x3', '000002'))]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'fulfilled', 'rejected']);
    assert.equal(outcomes[2]?.status, 'fulfilled', 'another STAN is another transaction');
    for (const o of outcomes) if (o.status === 'rejected') refused(o.reason as { code?: string });
  } finally {
    await a.close();
  }
});

test('PgJournal: a not-needed entry reopened by its reversal does not clash with a later request of the same transaction', async () => {
  const url = cluster.createDatabase('guard_reopen');
  const a = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  await a.open();
  try {
    await a.addOriginal(original('r1'));
    await a.done('r1', 'not-needed');
    await a.addOriginal(original('r2'));
    // The first one's reversal comes after all: its attempt reopens it, while r2 is pending with the same key.
    await a.attempt('r1', 1);
    await assert.rejects(a.addOriginal(original('r3')), refused);
  } finally {
    await a.close();
  }
});

test('PgJournal: an add for one bank of a group waits for another node\'s uncommitted add of the same transaction for another bank, and is refused', async () => {
  const url = cluster.createDatabase('guard_race_banks');
  // Node B's journal of u2, in a group of u1 and u2 (its guard widened to both, as `StoredOriginals.of` does).
  const b = new PgJournal({ url, upstream: 'u2', owner: 'node-b', lease: 60_000 });
  b.guardAcross(['u1', 'u2']);
  await b.open();
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  try {
    // Node A's add of the transaction for u1 (its journal's key; the group's transaction key u1), not committed yet.
    await holder.query('BEGIN');
    await holder.query(ADD, ['u1', 'node-a', 60_000, JSON.stringify([{ ...original('a1'), guard: 60_000 }]), ['u1', 'u2'], null, 'u1', null, null, null]);
    let settled = false;
    const adding = b.addOriginal(original('b1')).finally(() => {
      settled = true;
    });
    adding.catch(() => undefined);
    await waitUntil(async () => {
      if (settled) return true;
      return (await addsWaiting(watcher)) > 0;
    }, { what: 'node B\'s add waiting on node A\'s lock (or settled)', timeoutMs: 20_000 });
    await holder.query('COMMIT');
    await assert.rejects(adding, refused, 'both committed: both banks would get (and debit) the transaction');
    const { rows } = await holder.query<{ id: string }>('SELECT id FROM iso8583_saf ORDER BY id');
    assert.deepEqual(rows.map((r) => r.id), ['a1'], 'the refused entry was not stored');
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
    await watcher.end();
    await b.close();
  }
});

test('PgJournal: a single upstream\'s guarded row keeps its transaction key (its upstream, 41, 11), as earlier versions stored it', async () => {
  const url = cluster.createDatabase('guard_txn_single');
  const a = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  await a.open();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await a.addOriginal(original('s1'));
    const { rows } = await client.query<{ txn: string }>('SELECT txn FROM iso8583_saf');
    assert.deepEqual(rows.map((r) => r.txn), [JSON.stringify(['bank', 'TERM0001', '000001']).replaceAll(',', ', ')]);
  } finally {
    await client.end();
    await a.close();
  }
});

test('the watch for a waiting add sees its own database only: an add waiting in another database on the same server is not seen', async () => {
  const url = cluster.createDatabase('guard_race_own_database');
  const elsewhere = cluster.createDatabase('guard_race_other_database');
  const b = new PgJournal({ url: elsewhere, upstream: 'bank', lease: 60_000 });
  await b.open();
  const holder = new pg.Client({ connectionString: elsewhere });
  const there = new pg.Client({ connectionString: elsewhere });
  const here = new pg.Client({ connectionString: url });
  await Promise.all([holder.connect(), there.connect(), here.connect()]);
  try {
    await holder.query('BEGIN');
    await holder.query(ADD, ['bank', 'node-a', 60_000, JSON.stringify([{ ...original('a1'), guard: 60_000 }]), ['bank'], null, 'bank', null, null, null]);
    const adding = b.addOriginal(original('b1'));
    adding.catch(() => undefined);
    await waitUntil(async () => (await addsWaiting(there)) > 0, { what: 'the other database\'s add waiting on the first one\'s lock', timeoutMs: 20_000 });
    assert.equal(await addsWaiting(here), 0, 'no add of this database waits');
    await holder.query('ROLLBACK');
    await adding;
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await Promise.all([holder.end(), there.end(), here.end()]);
    await b.close();
  }
});
