// The words of a store error for a statement the server cancelled (SQLSTATE 57014: the role's or database's
// statement_timeout, as a start refused with "cannot be opened (57014)" showed, rv66g #4): what it means and what to
// change, beside the SQLSTATE, from a real server's refusal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { storeError } from '../src/pg/pool.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('a statement cancelled by the database\'s statement_timeout (57014) is said in words: raise it for the nodes\' role', async (t) => {
  const url = cluster.createDatabase('store_reason_57014');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.after(() => admin.end());
  // The database's own setting (no role: roles outlive the shared cluster's databases, sr66g #5); a new session takes it.
  const name = (await admin.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d as string;
  await admin.query(`ALTER DATABASE "${name.replace(/"/g, '""')}" SET statement_timeout = '50ms'`);
  const node = new pg.Client({ connectionString: url });
  await node.connect();
  t.after(() => node.end());
  const refused = await node.query('SELECT pg_sleep(5)').then(() => undefined, (err: unknown) => err);
  assert.equal((refused as { code?: string } | undefined)?.code, '57014', 'the server cancelled it');
  const err = storeError('cannot be opened', refused, url);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.match(err.message, /\(57014: a statement was cancelled, by the statement_timeout of the role or the database \(raise it for the nodes' role/);
});
