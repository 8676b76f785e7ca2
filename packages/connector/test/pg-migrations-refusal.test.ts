// A database a newer version migrated is refused by an older one, for any step it does not know in any part (each part
// numbers its own steps: SAF 1-99, transaction log 100-), and the refusal names the step, its part, each part's newest
// step known, and what to do. A real PostgreSQL cluster (test-support).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const safNewest = Math.max(...MIGRATIONS.filter((m) => m.version < 100).map((m) => m.version));
const logNewest = Math.max(...MIGRATIONS.map((m) => m.version));

test('migrate: a database with the newest SAF step, opened by a version that does not know it, is refused naming the step, its part, each part\'s newest step known, and what to do', async () => {
  const pool = new pg.Pool({ connectionString: cluster.createDatabase('refusal_message') });
  try {
    await migrate(pool);
    // The version before the newest SAF step: its list is every step but that one.
    const older = MIGRATIONS.filter((m) => m.version !== safNewest);
    await assert.rejects(migrate(pool, older), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
      assert.equal(err.field, 'store');
      assert.equal(
        err.message,
        `store: the database's schema has SAF queue step ${safNewest}, unknown to this version of iso8583 (it knows the SAF queue's steps up to ${safNewest - 1} ` +
          `and the transaction log's up to ${logNewest}): a newer version of iso8583 migrated it; run that version or a newer one`,
      );
      return true;
    });
  } finally {
    await pool.end();
  }
});

test('migrate: an unknown step of each part, below the newest step of the other, is refused before any step runs, both named', async () => {
  const pool = new pg.Pool({ connectionString: cluster.createDatabase('refusal_any_part') });
  try {
    // A database this version left without its SAF step 5, then given a later version's SAF step and transaction log
    // step: the refusal comes before step 5 runs (nothing is applied to a database a newer version owns).
    await migrate(pool, MIGRATIONS.filter((m) => m.version !== 5));
    await pool.query("INSERT INTO iso8583_schema (version, name) VALUES (98, 'a later SAF step'), ($1, 'a later transaction log step')", [logNewest + 1]);
    await assert.rejects(migrate(pool), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
      assert.match(err.message, new RegExp(`has SAF queue step 98, transaction log step ${logNewest + 1}, unknown to this version`));
      return true;
    });
    assert.equal((await pool.query('SELECT 1 FROM iso8583_schema WHERE version = 5')).rowCount, 0, 'no step applied');
  } finally {
    await pool.end();
  }
});
