// A dead node's entries of another bank (sr61c #2): a node at bank 1001 dies holding entries under a key whose row now
// names bank 2002. Bank 2002's nodes never take those entries (pg-entry-bank.test.ts), and their claims must not lock
// the dead owner's row (FOR SHARE, GONE_OWNERS) each claim for nothing: its row stays while it holds pending entries,
// so that lock, written to the row, would come every claim interval of every node of bank 2002 indefinitely. The row's
// xmax shows a row lock taken (a locker's transaction id): unchanged by bank 2002's claims. Real server, real nodes.
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

/** The dead owner's row's xmax: another value once a statement locked (or changed) it. */
const xmax = async (url: string, owner: string): Promise<string | undefined> =>
  (await sql<{ x: string }>(url, 'SELECT xmax::text AS x FROM iso8583_saf_owner WHERE owner = $1', [owner]))[0]?.x;

test('a claim at bank 2002 does not lock the row of a dead owner of bank 1001 whose pending entries are all bank 1001\'s; a node of bank 1001 still takes them over at once', async () => {
  const url = cluster.createDatabase('owner_gone_other_bank');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 600_000, owner: 'node-a' });
  await a.open();
  try {
    await a.add(entry('k000001'));
    await a.add(entry('k000002'));
    await sql(url, 'UPDATE iso8583_saf_upstream SET address = $1 WHERE upstream = $2', ['127.0.0.1:2002', 'bank']);
    // A dies: its lock's session ends (its row left: it holds pending entries); its lease of 10 minutes never renewed.
    await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'node-a')]);
    await waitUntil(async () => (await lockSession(url, 'node-a')) === undefined, { what: 'the server to end A\'s lock session' });
    const untouched = await xmax(url, 'node-a');
    assert.notEqual(untouched, undefined, 'A\'s row is there');

    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 600_000, owner: 'node-b' });
    try {
      assert.deepEqual((await b.open()).map((e) => e.id), [], 'bank 1001\'s reversals are not sent to bank 2002');
      assert.equal(typeof b.heldSince(), 'number', 'B holds its owner lock: its claims look for owners gone');
      for (let i = 0; i < 3; i++) assert.deepEqual(await b.claim(), []);
      assert.equal(await xmax(url, 'node-a'), untouched, 'no claim of bank 2002 locked the row of bank 1001\'s dead owner');
    } finally {
      await b.close();
    }

    // Back at bank 1001: a node there finds A gone and takes its entries at once (no lease end needed).
    await sql(url, 'UPDATE iso8583_saf_upstream SET address = $1 WHERE upstream = $2', ['127.0.0.1:1001', 'bank']);
    const c = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 600_000, owner: 'node-c' });
    try {
      assert.deepEqual((await c.open()).map((e) => e.id).sort(), ['k000001', 'k000002']);
    } finally {
      await c.close();
    }
  } finally {
    await a.destroy();
  }
});
