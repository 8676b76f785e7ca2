// A start that records a key with no row takes the key's entries as its bank's (RESTAMP) and the dead owners holding
// them too (their row's `bank`), but only an owner of that key (its row's `upstream`): a node of another key that
// held an entry of it (the key among its `formerUpstreams`) keeps the bank it registered with, so that the nodes of
// its own key, at that address, still find it gone and take its entries at once (sr63e #1). A dead node of a key the
// start moves is moved with it, even when it held only entries of a former key (moved too): it kept its old bank, and
// the new address's nodes found it not gone, its reversals waiting a whole lease (sr64i).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { entry, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The owner rows but those of the nodes started by the test after X (Y's and Z's, by name). */
const owners = (url: string): Promise<{ owner: string; upstream: string | null; bank: string | null }[]> =>
  sql(url, "SELECT owner, upstream, bank FROM iso8583_saf_owner WHERE owner NOT IN ('node-y', 'node-z') ORDER BY owner");

/** The keys' rows (iso8583_saf_upstream). */
const keys = (url: string): Promise<{ upstream: string; address: string }[]> =>
  sql(url, 'SELECT upstream, address FROM iso8583_saf_upstream ORDER BY upstream');

/** Every entry's row: its key, bank, holder, whether pending, and attempts. */
const entries = (url: string): Promise<{ id: string; upstream: string; bank: string | null; owner: string; pending: boolean; attempts: number }[]> =>
  sql(url, 'SELECT id, upstream, bank, lease_owner AS owner, done_at IS NULL AS pending, attempts FROM iso8583_saf ORDER BY id');

test('moving a former key to a new address leaves the bank of a dead node of another key as it was', async () => {
  const url = cluster.createDatabase('owner_gone_other_key_restamp');
  const x = new PgJournal({ url, upstream: 'u', formerUpstreams: ['f'], address: '127.0.0.1:1001', lease: 600_000, owner: 'node-x' });
  await x.open();
  try {
    await x.add(entry('k000001'));
    await x.add(entry('k000002'));
    // k000002 is of the former key f (as one added before the key was renamed), still leased by X.
    await sql(url, "UPDATE iso8583_saf SET upstream = 'f' WHERE id = 'k000002'");
    // X dies: its lock's session ends; its lease of 10 minutes never renewed.
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-x')]);
    await waitUntil(async () => (await lockSession(url, 'node-x')) === undefined, { what: 'the server to end X\'s lock session' });
    // f's bank moves to a new address: its row deleted, a node of f started there.
    await sql(url, "DELETE FROM iso8583_saf_upstream WHERE upstream = 'f'");
    const y = new PgJournal({ url, upstream: 'f', address: '127.0.0.1:3003', lease: 600_000, owner: 'node-y' });
    try {
      assert.deepEqual((await y.open()).map((e) => e.id), [], 'X is of key u: not gone for a node of f');
    } finally {
      await y.close();
    }
    assert.deepEqual(await owners(url), [{ owner: 'node-x', upstream: 'u', bank: '127.0.0.1:1001' }], 'X\'s row keeps the bank of its own key, and its key');
    assert.deepEqual(await keys(url), [{ upstream: 'f', address: '127.0.0.1:3003' }, { upstream: 'u', address: '127.0.0.1:1001' }], 'f recorded at its new address; u\'s row untouched');
    assert.deepEqual(await entries(url), [
      { id: 'k000001', upstream: 'u', bank: '127.0.0.1:1001', owner: 'node-x', pending: true, attempts: 0 },
      { id: 'k000002', upstream: 'f', bank: '127.0.0.1:3003', owner: 'node-x', pending: true, attempts: 0 },
    ], 'f\'s entry is the new address\'s, still X\'s (Y took nothing); u\'s entry untouched');
    const z = new PgJournal({ url, upstream: 'u', address: '127.0.0.1:1001', lease: 600_000, owner: 'node-z' });
    try {
      assert.deepEqual((await z.open()).map((e) => e.id), ['k000001'], 'a node of u at X\'s address finds X gone and takes its entry at once');
      assert.deepEqual(await entries(url), [
        { id: 'k000001', upstream: 'u', bank: '127.0.0.1:1001', owner: 'node-z', pending: true, attempts: 0 },
        { id: 'k000002', upstream: 'f', bank: '127.0.0.1:3003', owner: 'node-x', pending: true, attempts: 0 },
      ], 'Z holds u\'s entry, pending, never attempted; f\'s entry left to its own bank\'s nodes');
    } finally {
      await z.close();
    }
  } finally {
    await x.destroy();
  }
});

test('moving a key and its former key to a new address moves a dead node of that key holding only the former key\'s entries (sr64i)', async () => {
  const url = cluster.createDatabase('owner_gone_former_key_restamp');
  const x = new PgJournal({ url, upstream: 'u', formerUpstreams: ['f'], address: '127.0.0.1:1001', lease: 600_000, owner: 'node-x' });
  await x.open();
  try {
    await x.add(entry('k000001'));
    // X holds only an entry of its former key f (added before the key was renamed), leased for 10 minutes.
    await sql(url, "UPDATE iso8583_saf SET upstream = 'f' WHERE id = 'k000001'");
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-x')]);
    await waitUntil(async () => (await lockSession(url, 'node-x')) === undefined, { what: 'the server to end X\'s lock session' });
    // The bank of u (and of f) moves to a new address: both rows deleted, a node of u (f a former key) started there.
    await sql(url, "DELETE FROM iso8583_saf_upstream WHERE upstream IN ('u', 'f')");
    const y = new PgJournal({ url, upstream: 'u', formerUpstreams: ['f'], address: '127.0.0.1:3003', lease: 600_000, owner: 'node-y' });
    try {
      assert.deepEqual((await y.open()).map((e) => e.id), ['k000001'], 'X (of key u, moved) is gone for a node of u at the new address: its entry taken at once');
      assert.deepEqual(await entries(url), [
        { id: 'k000001', upstream: 'f', bank: '127.0.0.1:3003', owner: 'node-y', pending: true, attempts: 0 },
      ], 'Y holds f\'s entry, of the new address, pending, never attempted');
      assert.deepEqual(await owners(url), [{ owner: 'node-x', upstream: 'u', bank: '127.0.0.1:3003' }], 'X\'s row has its key\'s new bank');
    } finally {
      await y.close();
    }
  } finally {
    await x.destroy();
  }
});
