// A node dies holding entries, then its bank moves to a new address as docs/operations.md says (every node of the key
// stopped, the key's iso8583_saf_upstream row deleted, the nodes started at the new address): the start that records
// the key again takes its entries as the new address's (RESTAMP, their `bank`), and the dead owner's row too (its
// `bank`, SAF step 15), so that a claim at the new address finds that owner gone and takes its entries at once, not
// after their lease (its row kept the address it registered with: the claim's bank condition skipped it; sr62b #1).
// Two stores on one cluster: the dead node's and the new address's.
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

const bankOf = async (url: string, owner: string): Promise<string | null | undefined> =>
  (await sql<{ bank: string | null }>(url, 'SELECT bank FROM iso8583_saf_owner WHERE owner = $1', [owner]))[0]?.bank;

test('after a bank moves to a new address, a node there finds a node that died at the old one gone and takes its entries at once', async () => {
  const url = cluster.createDatabase('owner_gone_bank_moved');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 600_000, owner: 'node-a' });
  await a.open();
  try {
    await a.add(entry('k000001'));
    await a.add(entry('k000002'));
    // A dies: its lock's session ends (its row left: it holds pending entries); its lease of 10 minutes never renewed.
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
    await waitUntil(async () => (await lockSession(url, 'node-a')) === undefined, { what: 'the server to end A\'s lock session' });
    // The same bank at a new address: the key's row deleted, a node started there.
    await sql(url, "DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'");
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:3003', lease: 600_000, owner: 'node-b' });
    try {
      const taken = (await b.open()).map((e) => e.id).sort();
      assert.deepEqual(taken, ['k000001', 'k000002'], 'the dead node\'s entries are taken at once, not after their lease');
      assert.equal(await bankOf(url, 'node-a'), '127.0.0.1:3003', 'the dead owner\'s row names the bank its entries now belong to');
      assert.equal(await bankOf(url, 'node-b'), '127.0.0.1:3003');
    } finally {
      await b.close();
    }
  } finally {
    await a.destroy();
  }
});
