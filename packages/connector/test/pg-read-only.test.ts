// A store pointed at a read-only server (a hot standby: `pg_is_in_recovery()`, or a database whose transactions are
// read-only, `default_transaction_read_only`) is refused at open with a coded error that says so and names the option
// (`store`: point it at the primary). It failed on the first write of the migration instead, its cause only a
// SQLSTATE (`migrate` rejected with the driver's own error, 25006): nothing said that the server was a standby.
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, PgTransactionLog } from '../src/index.js';
import { migrate } from '../src/pg/migrations.js';
import { startReplicatedPair } from './helpers/pg-failover.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The refusal of a read-only server: coded, naming `store`, saying what to do. */
function readOnly(err: Error & { code?: string; field?: string }): boolean {
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.equal(err.field, 'store');
  assert.match(err.message, /read-only \(a hot standby/);
  assert.match(err.message, /primary/);
  return true;
}

test('a store on a read-only server is refused at open with a coded error naming the option (SAF queue, transaction log, migrate)', async (t) => {
  const url = cluster.createDatabase('read_only');
  // The schema made while writable: even then, a read-only server is refused (no write needed to start is no start).
  const pool = new pg.Pool({ connectionString: url });
  t.after(() => pool.end());
  await migrate(pool);
  await pool.query('ALTER DATABASE read_only SET default_transaction_read_only = on');
  await assert.rejects(migrate(pool), readOnly);
  const journal = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  await assert.rejects(journal.open(), readOnly);
  await journal.destroy();
  const log = new PgTransactionLog({ connectionString: url });
  await assert.rejects(log.open(), readOnly);
  await log.close().catch(() => undefined);
});

test('a store on a hot standby (a real one, replicating the primary) is refused at open, the error saying it is in recovery', async (t) => {
  const pair = await startReplicatedPair('standby_open');
  t.after(() => pair.destroy());
  const primary = new PgJournal({ url: pair.primaryUrl, lease: 600_000, owner: 'node-a' });
  await primary.open(); // the schema made on the primary, and replicated
  await primary.close();
  await pair.caughtUp();
  const standby = new PgJournal({ url: pair.standbyUrl, lease: 600_000, owner: 'node-b' });
  await assert.rejects(standby.open(), (err: Error & { code?: string; field?: string }) => readOnly(err) && /in recovery/.test(err.message));
  await standby.destroy();
});
