// A start over a store key that has no row (iso8583_saf_upstream deleted, as the refusal says for a bank at a new
// address) while a node at another bank still runs on the key: no entry under the key is re-stamped for the starting
// bank (SAF step 14 `bank`): the running node's reversals stay its bank's, never sent to the new one. With every node
// stopped, the row deleted again, the start takes the key and its entries (the same bank at a new address).
// Real server, real statements (sr61c #1).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { sql as run } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0'), '41': 'TERM0001' }, at: Date.now() };
}

test('a start over a key without a row while a node at another bank runs on it re-stamps none of the key\'s entries: the running node\'s reversals are never sent to the new bank', async () => {
  const url = cluster.createDatabase('marker_restamp_running');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  await a.open();
  await a.add(entry('k000001')); // bank 1001's reversal, held by A
  await run(url, "DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'");
  const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:3003', lease: 60_000 });
  try {
    await b.open();
    assert.deepEqual(await run(url, 'SELECT id, bank FROM iso8583_saf'), [{ id: 'k000001', bank: '127.0.0.1:1001' }], 'A\'s reversal is still bank 1001\'s');
    await a.close(); // kept under A's lease: its key now names bank 3003
    await run(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second'");
    assert.deepEqual((await b.claim()).map((e) => e.id), [], 'bank 1001\'s reversal is not sent to bank 3003');
  } finally {
    await b.close();
  }
  // Every node stopped: the same bank at a new address (the row deleted again) takes the key and its entries.
  await run(url, "DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'");
  await run(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second'");
  const c = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:3003', lease: 60_000 });
  try {
    assert.deepEqual((await c.open()).map((e) => e.id), ['k000001']);
  } finally {
    await c.close();
  }
});
