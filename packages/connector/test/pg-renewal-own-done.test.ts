// A lease renewal of PgJournal against a real PostgreSQL that misses entries: one this node ended itself (its `done`
// committed while the renewal ran, its answer not processed yet: a busy event loop) is no takeover and is not logged
// as one (rv66g #2); one another node really took over still is (ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { capturedLogger, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** One lease renewal of `node` now (its timer's work, run at a chosen moment). */
const renewOnce = (node: PgJournal): Promise<void> => (node as unknown as { renewOnce(): Promise<void> }).renewOnce();

const reversal = (stan: string): Record<string, string> => ({ '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': stan, '41': 'TERM0001' });

test('a renewal that runs while this node\'s own done has committed (its answer not processed yet) reports no takeover', async (t) => {
  const url = cluster.createDatabase('renew_own_done');
  const pool = new pg.Pool({ connectionString: url });
  const check = new pg.Pool({ connectionString: url });
  const { logger, lines } = capturedLogger('debug');
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let holding = false;
  const real = pool.query.bind(pool) as (text: unknown, values?: unknown) => Promise<unknown>;
  // The DONE statement (pg/saf-sql.ts) runs and commits for real; its answer reaches the journal only once opened.
  (pool as unknown as { query: unknown }).query = (text: unknown, values?: unknown): Promise<unknown> => {
    const p = real(text, values);
    if (typeof text !== 'string' || !text.startsWith('WITH d AS (SELECT * FROM unnest($2::text[], $3::text[]')) return p;
    holding = true;
    return p.then(async (r) => {
      await gate;
      return r;
    });
  };
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a', logger });
  t.after(async () => {
    open();
    await node.close();
    await Promise.all([pool.end(), check.end()]);
  });
  await node.open();
  await node.add({ id: 'r1', reversal: reversal('000001'), at: Date.now() });
  const done = node.done('r1', 'not-needed');
  await waitUntil(
    async () => holding && (await check.query("SELECT 1 FROM iso8583_saf WHERE id = 'r1' AND done_at IS NOT NULL")).rowCount === 1,
    { what: 'the done to commit on the server' },
  );
  await renewOnce(node);
  open();
  await done;
  const lost = lines.filter((l) => l['code'] === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST');
  assert.deepEqual(lost.map((l) => l['msg']), [], 'no entry was taken over by another node: none may be reported so');
});

test('a renewal that misses an entry another node took over (and one this node ended) reports the takeover, counting only it', async (t) => {
  const url = cluster.createDatabase('renew_taken_over');
  const pool = new pg.Pool({ connectionString: url });
  const check = new pg.Pool({ connectionString: url });
  const { logger, lines } = capturedLogger('debug');
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a', logger });
  t.after(async () => {
    await node.close();
    await Promise.all([pool.end(), check.end()]);
  });
  await node.open();
  await node.add({ id: 't1', reversal: reversal('000002'), at: Date.now() });
  await node.add({ id: 't2', reversal: reversal('000003'), at: Date.now() });
  // What another node's claim leaves (pg/saf-sql.ts CLAIM: its owner and lease), and this node's own done committed
  // unseen (its answer lost to the journal): both missed by the renewal.
  await check.query("UPDATE iso8583_saf SET lease_owner = 'node-b', lease_until = now() + interval '10 minutes' WHERE id = 't1'");
  await check.query("UPDATE iso8583_saf SET done_at = now(), outcome = 'not-needed' WHERE id = 't2'");
  await renewOnce(node);
  const lost = lines.filter((l) => l['code'] === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST');
  assert.deepEqual(lost.map((l) => [l['msg'], l['entries']]), [['entries taken over by another node', 1]]);
  assert.doesNotMatch(JSON.stringify(lines), /4761739001010010/);
});
