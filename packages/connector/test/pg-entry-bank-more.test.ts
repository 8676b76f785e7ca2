// The bank of PostgreSQL SAF entries (`bank`, SAF step 14), continued from pg-entry-bank.test.ts: a late approval is
// left only on its node's bank's rows; an entry with no bank recorded (stored before step 14, or by a node of an
// earlier version) is its key's row's bank's as read, never another's; the upgrade stamps nothing (an entry stranded
// before it is recovered by pointing its key's row back). Real server, real statements (sr61c #3, #4, #6).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import pg from 'pg';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';
import { sql as run, renewNow as renew } from './helpers/pg-owner-lock.js';

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

test('a late approval read by a node of another bank under the shared key is not left on (nor takes the code of) the first bank\'s row', async () => {
  const url = cluster.createDatabase('entry_bank_late_approval');
  const reversal: IsoMessage = { '0': '0400', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000009', '41': 'TERM0001' };
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000009', '39': '00', '41': 'TERM0001' };
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  await a.open();
  try {
    await a.add({ id: 'r000009', reversal, at: Date.now() });
    await a.attempt('r000009', 1);
    assert.equal(await a.undidNothing('r000009', '25'), undefined);
    await a.done('r000009', 'reversed'); // bank 1001 answered 25: a late approval of it calls for a repeat there
    await pointAt(url, '127.0.0.1:2002');
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000, ownerLock: false });
    await b.open();
    try {
      assert.equal(await b.lateApproval(approval), undefined, 'bank 2002\'s node takes no code of bank 1001\'s row');
    } finally {
      await b.close();
    }
    const [row] = await run<{ approval: unknown }>(url, "SELECT late_approval AS approval FROM iso8583_saf WHERE id = 'r000009'");
    assert.equal(row?.approval, null, 'no approval left on bank 1001\'s row by bank 2002\'s node');
    await pointAt(url, '127.0.0.1:1001');
    await renew(a);
    assert.equal((await a.lateApproval(approval))?.againId, 'r000009.again', 'bank 1001\'s node takes its own row\'s code');
  } finally {
    await a.close();
  }
});

test('an entry with no bank recorded (a node of an earlier version) under a key now at another bank is that bank\'s: not claimed by a node that has not seen the change', async () => {
  const url = cluster.createDatabase('entry_bank_null');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  await a.open();
  try {
    await pointAt(url, '127.0.0.1:2002');
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000, ownerLock: false });
    await b.open();
    await b.add(entry('u000001'));
    await b.close();
    await run(url, "UPDATE iso8583_saf SET bank = NULL WHERE id = 'u000001'"); // as a version-13 node adds it
    await leasesEnd(url);
    assert.deepEqual(a.keysAtOtherBank, [], 'A has not renewed since: the change not seen yet');
    assert.deepEqual((await a.claim()).map((e) => e.id), [], 'bank 2002\'s reversal (by its key\'s row) is not sent to bank 1001');
  } finally {
    await a.close();
  }
});

test('migrate to SAF step 14 records no bank on the rows stored before: pending, owing a repeat or finished; an entry stranded before the upgrade is sent once its key\'s row points back', async () => {
  const url = cluster.createDatabase('entry_bank_migrate_none');
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version < 14 || m.version >= 100));
    // Bank 1001's entries, kept under the key while its row came to name bank 2002 (before the upgrade).
    await pool.query("INSERT INTO iso8583_saf_upstream (upstream, address) VALUES ('bank', '127.0.0.1:2002')");
    await pool.query(
      `INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until, done_at, outcome, undid_nothing, late_approval) VALUES
      ('s000001', 'bank', $1::jsonb, 'n1', now() - interval '1 second', NULL, NULL, NULL, NULL),
      ('s000002', 'bank', $2::jsonb, 'n1', now() - interval '1 second', now(), 'reversed', '25', '{"0":"0210"}'),
      ('s000003', 'bank', $3::jsonb, 'n1', now() - interval '1 second', now(), 'reversed', NULL, NULL)`,
      [JSON.stringify(entry('s000001')), JSON.stringify(entry('s000002')), JSON.stringify(entry('s000003'))],
    );
    await migrate(pool);
    const { rows } = await pool.query<{ id: string; bank: string | null }>('SELECT id, bank FROM iso8583_saf ORDER BY id');
    assert.deepEqual(rows, [{ id: 's000001', bank: null }, { id: 's000002', bank: null }, { id: 's000003', bank: null }]);
  } finally {
    await pool.end();
  }
  await pointAt(url, '127.0.0.1:1001'); // the row pointed back at the bank whose entries the key holds
  const c = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  try {
    assert.deepEqual((await c.open()).map((e) => e.id), ['s000001'], 'bank 1001\'s stranded entry is sent to bank 1001');
  } finally {
    await c.close();
  }
});
