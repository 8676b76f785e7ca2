// The bank each PostgreSQL SAF entry belongs to (`bank`, SAF step 14): the address of the node that added it. A key's
// row (iso8583_saf_upstream) may come to name another bank while entries of the one before are still under the key
// (kept at close, or added before the change): no node of another bank claims them (by lease, or as an owner gone's),
// nor reads the repeats they owe, whatever its keys' row says; and a node whose renewal has not seen the row change
// yet takes none of the other bank's entries. Real server, real statements (sr60f #2, #3).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import pg from 'pg';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';
import { upstreamAddress, upstreamAddressSql } from '../src/pg/upstream-marker.js';
import { lockSession, renewNow as renew, sql as run } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0'), '41': 'TERM0001' }, at: Date.now() };
}

/** The key "bank"'s row set to name `address` (by hand, or by a start elsewhere while a node ran). */
const pointAt = (url: string, address: string): Promise<unknown> => run(url, 'UPDATE iso8583_saf_upstream SET address = $1 WHERE upstream = $2', [address, 'bank']);

/** Every lease on the database ended now (as time passing would). */
const leasesEnd = (url: string): Promise<unknown> => run(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second'");

for (const ownerLock of [true, false]) {
  test(`entries of a node at one bank under a key now recorded for another are not claimed by that bank's node (owner lock ${ownerLock ? 'on: the node dies, its entries an owner gone\'s' : 'off: kept at close, once the lease ended'})`, async () => {
    const url = cluster.createDatabase(`entry_bank_kept_${ownerLock}`);
    const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock });
    await a.open();
    let closed = false;
    try {
      await a.add(entry('k000001')); // bank 1001's reversals
      await a.add(entry('k000002'));
      await pointAt(url, '127.0.0.1:2002');
      await renew(a);
      if (ownerLock) {
        // A dies (its owner lock's session ends, its row left): its entries are an owner gone's, claimable at once.
        await run(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, a.owner)]);
        await waitUntil(async () => (await lockSession(url, a.owner)) === undefined, { what: 'the server to end A\'s lock session' });
      } else {
        await a.close(); // kept under its lease (journal-bank.ts `release`)
        closed = true;
        await leasesEnd(url);
      }
      const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
      try {
        assert.deepEqual((await b.open()).map((e) => e.id), [], 'bank 1001\'s reversals are not sent to bank 2002');
        assert.deepEqual((await b.claim()).map((e) => e.id), []);
      } finally {
        await b.close();
      }
    } finally {
      if (!closed) await a.close();
    }
    // Back at bank 1001, a node there sends them.
    await pointAt(url, '127.0.0.1:1001');
    await leasesEnd(url);
    const c = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock });
    try {
      assert.deepEqual((await c.open()).map((e) => e.id).sort(), ['k000001', 'k000002']);
    } finally {
      await c.close();
    }
  });
}

test('a claim between the row\'s change and the node\'s next renewal takes none of the other bank\'s entries under the key', async () => {
  const url = cluster.createDatabase('entry_bank_flip');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  await a.open();
  try {
    // A start at bank 2002 over the key (the row rewritten by hand; or a start while A's lock was being taken again).
    await pointAt(url, '127.0.0.1:2002');
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000, ownerLock: false });
    await b.open();
    await b.add(entry('f000001')); // bank 2002's reversal
    await b.close();
    await leasesEnd(url);
    assert.deepEqual(a.keysAtOtherBank, [], 'A has not renewed since: the change not seen yet');
    assert.deepEqual((await a.claim()).map((e) => e.id), [], 'bank 2002\'s reversal is not sent to bank 1001');
    const c = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000, ownerLock: false });
    try {
      assert.deepEqual((await c.open()).map((e) => e.id), ['f000001'], 'a node at its bank sends it');
    } finally {
      await c.close();
    }
  } finally {
    await a.close();
  }
});

test('a repeat a late approval calls for, its add refused under a key now at another bank, is owed to its own bank only: not read by the other bank\'s nodes', async () => {
  const url = cluster.createDatabase('entry_bank_repeat');
  const reversal: IsoMessage = { '0': '0400', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000009', '41': 'TERM0001' };
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000009', '39': '00', '41': 'TERM0001' };
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  await a.open();
  try {
    await a.add({ id: 'r000009', reversal, at: Date.now() });
    await a.attempt('r000009', 1);
    assert.equal(await a.undidNothing('r000009', '25'), undefined);
    await a.done('r000009', 'reversed');
    const found = await a.lateApproval(approval);
    assert.equal(found?.againId, 'r000009.again', 'the code found: the repeat is owed');
    await pointAt(url, '127.0.0.1:2002');
    await renew(a);
    await assert.rejects(a.add({ id: 'r000009.again', reversal, at: Date.now() }), { code: 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK' });
    assert.deepEqual(await a.repeatsOwed(), [], 'not sent to bank 1001 under a key of bank 2002');
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
    await b.open();
    try {
      assert.deepEqual(await b.repeatsOwed(), [], 'bank 1001\'s repeat is not sent to bank 2002');
    } finally {
      await b.close();
    }
    await pointAt(url, '127.0.0.1:1001');
    await renew(a);
    assert.deepEqual((await a.repeatsOwed()).map((r) => r.againId), ['r000009.again'], 'owed at its own bank again');
  } finally {
    await a.close();
  }
});

test('the address\'s form in SQL (upstreamAddressSql) is upstreamAddress\'s', async () => {
  const url = cluster.createDatabase('entry_bank_form');
  const samples = ['Bank.Example.:5000', 'bank.example:5000', '127.0.0.1:1001', 'HOST', 'Host.', '[::1]:7000', 'A.B.:', ''];
  const rows = await run<{ a: string }>(url, `SELECT ${upstreamAddressSql('x')} AS a FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n`, [samples]);
  assert.deepEqual(rows.map((r) => r.a), samples.map(upstreamAddress));
});

test('migrate: the entries stored before SAF step 14 record no bank, with or without a row for their key (read as the row names it then: pg-entry-bank-more.test.ts)', async () => {
  const url = cluster.createDatabase('entry_bank_migrate');
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version < 14 || m.version >= 100));
    await pool.query("INSERT INTO iso8583_saf_upstream (upstream, address) VALUES ('bank', 'Bank.Example.:1001')");
    await pool.query(`INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES
      ('m1', 'bank', '{}', 'n1', now()), ('m2', 'other', '{}', 'n1', now())`);
    await migrate(pool);
    const { rows } = await pool.query<{ id: string; bank: string | null }>('SELECT id, bank FROM iso8583_saf ORDER BY id');
    assert.deepEqual(rows, [{ id: 'm1', bank: null }, { id: 'm2', bank: null }]);
  } finally {
    await pool.end();
  }
});

test('the same bank at a new address (the key\'s row deleted, as the refusal says): the start there takes the key\'s entries as its bank\'s', async () => {
  const url = cluster.createDatabase('entry_bank_moved');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  await a.open();
  await a.add(entry('n000001'));
  await a.close();
  await leasesEnd(url);
  await run(url, "DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'");
  const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:3003', lease: 60_000, ownerLock: false });
  try {
    assert.deepEqual((await b.open()).map((e) => e.id), ['n000001']);
  } finally {
    await b.close();
  }
});
