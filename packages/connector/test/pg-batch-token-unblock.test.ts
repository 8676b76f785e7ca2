// A batch of the PostgreSQL transaction log sent again under its token that waited too long for its earlier try ends
// the sessions still running that try (BatchTokens.unblock, batch-token.ts), and only those: a look that fails, or one
// that finds none just after that try committed, keeps the token (a fresh one would store the batch twice).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { waitUntil } from '@iso8583/test-support';
import { BatchTokens, ENDS, lockWait, storedBefore } from '../src/pg/batch-token.js';
import type { NextBatch } from '../src/pg/batch-token.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/** A database with the tokens' table, a pool on it, a connection maker, and a batch in doubt sent again (`retry`). */
async function setUp(t: TestContext, name: string) {
  const url = pgs.database(name);
  const pool = new pg.Pool({ connectionString: url });
  t.after(() => pool.end());
  await pool.query('CREATE TABLE iso8583_transaction_batches (id text PRIMARY KEY)');
  const client = async (config: pg.ClientConfig = {}): Promise<pg.Client> => {
    const c = new pg.Client({ ...config, connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    t.after(() => c.end().catch(() => undefined));
    return c;
  };
  const tokens = new BatchTokens('SELECT 1', 50);
  const first = tokens.next(0, 1, 10);
  tokens.failed(first, 0, 1, new Error('Query read timeout'));
  const retry = tokens.next(0, 1, 10);
  assert.ok(retry.again && retry.token === first.token);
  const insert = (batch: NextBatch): string => `INSERT INTO iso8583_transaction_batches (id) VALUES ('${batch.token}')`;
  /**
   * Runs `sql`, which the server refuses, on a session of its own: resolves with the refusal once that session no longer
   * shows it running. node-pg settles a failed query at the server's error, before the server reports the session
   * idle: until then a session refused for the token's insert (a retry that waited, or one refused for the stored
   * token) still looks like one running the insert of the token, and a look (`unblock`) would end it and count it.
   */
  const refused = async (sql: string): Promise<unknown> => {
    const refusing = await client();
    const pid = (await refusing.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const refusal = await refusing.query(sql).then(() => undefined, (e: unknown) => e);
    const running = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND state <> 'idle'";
    await waitUntil(async () => (await pool.query<{ n: number }>(running, [pid])).rows[0]?.n === 0, { what: 'the refused session to be idle', timeoutMs: 10_000 });
    return refusal;
  };
  /** The retry's insert, waiting at most 50 ms for the earlier try: its refusal ({@link refused}). */
  const waitedFor = (batch: NextBatch): Promise<unknown> => refused(`SET LOCAL lock_timeout = 50; ${insert(batch)}`);
  /**
   * `holder` runs `batch`'s insert of its token in a transaction it keeps open (`pg_sleep` after it, in the same
   * statement, as a stranded try holds it); resolved once the insert holds the table (its lock seen in `pg_locks`), so
   * that a retry then waits for it. `holding` settles with the statement: `ended` when its session is ended.
   */
  const strand = async (holder: pg.Client, batch: NextBatch): Promise<{ holding: Promise<string> }> => {
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const holding = holder.query(`BEGIN; ${insert(batch)}; SELECT pg_sleep(60)`).then(() => 'done', () => 'ended');
    const held = "SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND relation = 'iso8583_transaction_batches'::regclass AND mode = 'RowExclusiveLock'";
    await waitUntil(async () => (await pool.query<{ n: number }>(held, [pid])).rows[0]?.n === 1, { what: 'the earlier try to hold its token', timeoutMs: 10_000 });
    return { holding };
  };
  return { pool, client, tokens, retry, insert, refused, waitedFor, strand };
}

/** True while the session `pid` lives. */
async function alive(pool: pg.Pool, pid: number): Promise<boolean> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]?.n === 1;
}

test("unblock ends the session running the batch's insert of its token, not an idle session or another statement that merely names it", async (t) => {
  const { pool, client, tokens, retry, insert, waitedFor, strand } = await setUp(t, 'unblock_narrow');
  const { holding } = await strand(await client(), retry);
  const idle = await client();
  await idle.query(`SELECT $$${insert(retry)}$$ AS text`);
  const other = await client();
  const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
  const sleeping = other.query(`SELECT pg_sleep(60) /* ${retry.token} */`).then(() => 'done', () => 'cancelled');
  const active = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active'";
  await waitUntil(async () => (await pool.query<{ n: number }>(active, [otherPid])).rows[0]?.n === 1, { what: 'the other statement to run', timeoutMs: 10_000 });
  const err = await waitedFor(retry);
  assert.equal((err as { code?: string }).code, '55P03');
  assert.equal(await tokens.unblock(pool, retry, err), 1, 'the one session running the insert of the token');
  assert.equal(await holding, 'ended');
  assert.deepEqual((await idle.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }], 'the idle session goes on');
  assert.ok(await alive(pool, otherPid), "the other application's statement naming the token goes on");
  await pool.query('SELECT pg_cancel_backend($1)', [otherPid]);
  assert.equal(await sleeping, 'cancelled');
});

test("unblock never ends the retry's own session, even while the server still shows it running the insert of the token", async (t) => {
  // The gap it stands for: node-pg settles a refused retry before the server shows its session idle, and the look runs
  // on another connection of the pool. Here the retry's own statement (its mark first, as every try's) is still
  // waiting for the earlier try when the look runs, so that the server shows it running for certain, not by chance.
  const { pool, client, tokens, retry, insert, strand } = await setUp(t, 'unblock_own');
  const { holding } = await strand(await client(), retry);
  const own = await client();
  const ownPid = (await own.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid as number;
  const ownRun = own.query(`${retry.mark}SET LOCAL lock_timeout = 60000; ${insert(retry)}`).then(() => 'done', () => 'ended');
  const waits = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND wait_event_type = 'Lock'";
  await waitUntil(async () => (await pool.query<{ n: number }>(waits, [ownPid])).rows[0]?.n === 1, { what: "the retry's own insert to wait for the earlier try", timeoutMs: 10_000 });
  assert.equal(await tokens.unblock(pool, retry, { code: '55P03', severity: 'ERROR' }), 1, 'the earlier try only');
  assert.equal(await holding, 'ended');
  assert.equal(await ownRun, 'done', "the retry's own statement goes on, and takes the token once the earlier try is gone");
  assert.ok(await alive(pool, ownPid), "the retry's own session lives");
});

test('a look for the earlier try that fails (the pool busy) keeps the token and the doubt', async (t) => {
  const { client, tokens, retry, insert, waitedFor } = await setUp(t, 'unblock_fails');
  const holder = await client();
  await holder.query(`BEGIN; ${insert(retry)}`);
  const err = await waitedFor(retry);
  // The pool's one connection held: the look waits for it at most 100 ms. That bound is set only once the connection
  // is held: a connection's own start (a new server session) takes longer than 100 ms on a busy machine.
  const busy = new pg.Pool({ connectionString: pgs.database('unblock_fails'), max: 1 });
  t.after(() => busy.end());
  const held = await busy.connect();
  busy.options.connectionTimeoutMillis = 100;
  const ended = await tokens.unblock(busy, retry, err);
  held.release();
  assert.equal(ended, undefined, 'nothing known');
  tokens.failed(retry, 0, 1, err, ended);
  const next = tokens.next(0, 1, 10);
  assert.ok(next.again, 'sent again');
  assert.equal(next.token, retry.token, 'under the same token');
  await holder.query('COMMIT');
});

test('a look that finds none (the earlier try committed just before it) keeps the token: the next retry finds the batch stored; only after ENDS such looks does a fresh token go', async (t) => {
  const { pool, client, tokens, retry, insert, refused, waitedFor } = await setUp(t, 'unblock_committed');
  const holder = await client();
  await holder.query(`BEGIN; ${insert(retry)}`);
  const err = await waitedFor(retry);
  await holder.query('COMMIT');
  const ended = await tokens.unblock(pool, retry, err);
  assert.equal(ended, 0);
  tokens.failed(retry, 0, 1, err, ended);
  const next = tokens.next(0, 1, 10);
  assert.ok(next.again && next.token === retry.token, 'the same token');
  assert.ok(storedBefore(await refused(insert(next))), 'refused for the token: stored once');

  // None ever found (track_activities off, another role): the token is given up after ENDS looks (this one the first).
  await pool.query('DELETE FROM iso8583_transaction_batches');
  assert.equal(next.ends, 1);
  let batch = next;
  for (let look = 2; look <= ENDS; look++) {
    const found = await tokens.unblock(pool, batch, { code: '55P03', severity: 'ERROR' });
    tokens.failed(batch, 0, 1, { code: '55P03', severity: 'ERROR' }, found);
    batch = tokens.next(0, 1, 10);
    assert.equal(batch.again, look < ENDS, `look ${look}`);
  }
});

for (const [why, config, code] of [
  ["the client's own query timeout", { query_timeout: 200 }, undefined],
  ["a role's or session's statement_timeout (57014)", { statement_timeout: 200 }, '57014'],
] as const) {
  test(`a retry ended by ${why}, not the lock wait, counts as waiting: the earlier try is ended`, async (t) => {
    const { pool, client, tokens, retry, insert, strand } = await setUp(t, `unblock_timeout_${code ?? 'client'}`);
    const { holding } = await strand(await client(), retry);
    const timed = await client(config);
    const err = await timed.query(insert(retry)).then(() => undefined, (e: { code?: string; message?: string }) => e);
    assert.equal(err?.code, code, err?.message);
    const ended = (await tokens.unblock(pool, retry, err)) ?? 0;
    assert.ok(ended >= 1, `the earlier try ended (${ended})`);
    assert.equal(await holding, 'ended');
  });
}

test("a given pool's query_timeout or statement_timeout shorter than the log's statementTimeout sets the wait: half the shortest", async (t) => {
  const url = pgs.database('unblock_wait');
  const pools = [new pg.Pool({ connectionString: url, query_timeout: 400 }), new pg.Pool({ connectionString: url, statement_timeout: 600 }), new pg.Pool({ connectionString: url })];
  t.after(() => Promise.all(pools.map((p) => p.end())));
  assert.deepEqual(pools.map((p) => lockWait(p, 2_000)), [200, 300, 1_000]);
});
