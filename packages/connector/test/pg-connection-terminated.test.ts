// After a database crash (or a proxy between cutting the connections), the driver's error has no code ("Connection
// terminated unexpectedly"): the store's lines said `"cause":"unknown error"`. They now name it, and carry no secret of
// the connection string. Real PostgreSQL behind a real relay that cuts every connection (the server's end gone
// without a word, as a crash leaves it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { createPgPool, storeError } from '../src/pg/pool.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import { capturedLogger } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('a store connection cut without a word is logged and reported with the cause connection-terminated, its password masked', async (t) => {
  const relay = await lockRelay(cluster.createDatabase('connection_terminated'));
  t.after(() => relay.close());
  const { logger, lines, text } = capturedLogger('warn');
  const url = relay.url.replace('@', ':s3cret-pw@');
  const pool = await createPgPool(url, { logger });
  t.after(() => pool.end());
  // One connection idle in the pool, one checked out in a statement's place: both cut at once.
  const client = await pool.connect();
  const idle = await pool.connect();
  idle.release();
  client.on('error', () => undefined); // a checked-out client's own: its statement's failure is what is looked at
  relay.away(true);
  const failed = await client.query('SELECT 1').then(() => undefined, (err: unknown) => err);
  client.release(true);
  await waitUntil(() => lines.some((l) => l.msg === 'a connection to the store was lost'), { what: 'the idle connection\'s loss to be logged' });
  const lost = lines.find((l) => l.msg === 'a connection to the store was lost');
  assert.equal(lost?.cause, 'connection-terminated');
  assert.doesNotMatch(text(), /s3cret-pw/);
  assert.ok(failed instanceof Error, 'the statement on the cut connection failed');
  const err = storeError('cannot add entries', failed, url);
  assert.match(err.message, /\(connection-terminated\)$/);
  assert.doesNotMatch(err.message, /s3cret-pw/);
});
