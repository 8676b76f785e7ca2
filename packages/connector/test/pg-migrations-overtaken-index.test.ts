// The index `iso8583_saf_overtaken` (a late approval's look-up of its transaction's rows, overtaken-sql.ts) was added to
// SAF step 8 after earlier builds had run step 8 without it: a database they migrated has step 8 recorded and never
// ran the index. It is a step of its own now, which every database runs once. A real PostgreSQL cluster (test-support).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';
import type { Migration } from '../src/pg/migrations.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** SAF step 8 as the earlier builds ran it: the two columns, no index. */
const EARLIER_STEP_8: Migration = {
  version: 8,
  name: 'saf reversal that undid nothing',
  sql: `ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS undid_nothing text;
    ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS late_approval jsonb;`,
};

/** The index's definition and validity, undefined when the database has none. */
async function overtakenIndex(pool: pg.Pool): Promise<{ def: string; valid: boolean } | undefined> {
  const { rows } = await pool.query<{ def: string; valid: boolean }>(
    "SELECT pg_get_indexdef(indexrelid) AS def, indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass('iso8583_saf_overtaken')",
  );
  return rows[0];
}

test('migrate: a database an earlier build took to SAF step 8 (and 9) without the index iso8583_saf_overtaken gets it at the next start, its rows kept', async () => {
  const pool = new pg.Pool({ connectionString: cluster.createDatabase('overtaken_index_late') });
  try {
    // As the earlier build left it: SAF steps 1-9 (its step 8 without the index) and the transaction log's steps.
    const earlier = MIGRATIONS.filter((m) => m.version <= 9 || m.version >= 100).map((m) => (m.version === 8 ? EARLIER_STEP_8 : m));
    await migrate(pool, earlier);
    assert.equal(await overtakenIndex(pool), undefined, 'the earlier build made no index');
    await pool.query("INSERT INTO iso8583_saf (id, entry, lease_owner, lease_until, undid_nothing) VALUES ('e1', '{}', 'n1', now(), '25')");

    assert.equal(await migrate(pool), Math.max(...MIGRATIONS.map((m) => m.version)));
    const index = await overtakenIndex(pool);
    assert.ok(index !== undefined, 'the next start built the index');
    assert.equal(index.valid, true);
    assert.match(index.def, /WHERE \(\(undid_nothing IS NOT NULL\) OR \(late_approval IS NOT NULL\)\)/);
    assert.equal((await pool.query('SELECT 1 FROM iso8583_saf')).rowCount, 1, 'the rows kept');
    // The step that built it is recorded: the next start runs nothing.
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM iso8583_schema ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
  } finally {
    await pool.end();
  }
});

test('migrate: a database that already has the index iso8583_saf_overtaken (built by a build whose step 8 made it) keeps it, not built again', async () => {
  const pool = new pg.Pool({ connectionString: cluster.createDatabase('overtaken_index_kept') });
  try {
    const earlier = MIGRATIONS.filter((m) => m.version <= 9 || m.version >= 100).map((m) => (m.version === 8 ? EARLIER_STEP_8 : m));
    await migrate(pool, earlier);
    await pool.query(`CREATE INDEX iso8583_saf_overtaken ON iso8583_saf (upstream, (entry->'reversal'->>'41'), (entry->'reversal'->>'11'))
      WHERE undid_nothing IS NOT NULL OR late_approval IS NOT NULL`);
    const oid = async (): Promise<string | undefined> =>
      (await pool.query<{ oid: string }>("SELECT to_regclass('iso8583_saf_overtaken')::oid::text AS oid")).rows[0]?.oid;
    const before = await oid();
    await migrate(pool);
    assert.equal(await oid(), before, 'the index kept as it was');
    assert.equal((await overtakenIndex(pool))?.valid, true);
  } finally {
    await pool.end();
  }
});
