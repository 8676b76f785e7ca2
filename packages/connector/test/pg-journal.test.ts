import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

function entry(id: string, extra: Record<string, unknown> = {}): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0') }, at: Date.now(), ...extra };
}

/** Ends the leases of every entry now, as if their holder had died a lease ago. */
async function expireLeases(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    await pool.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
  } finally {
    await pool.end();
  }
}

async function rows(url: string): Promise<{ id: string; attempts: number; outcome: string | null; lease_owner: string; done: boolean }[]> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    const r = await pool.query('SELECT id, attempts, outcome, lease_owner, done_at IS NOT NULL AS done FROM iso8583_saf ORDER BY id');
    return r.rows;
  } finally {
    await pool.end();
  }
}

test('PgJournal: add, attempt and done commit; a restart resumes what is not done with its attempts; what is done is never returned again', async () => {
  const url = cluster.createDatabase('journal_contract');
  const a = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  assert.deepEqual(await a.open(), [], 'a new database holds nothing');
  // Fields beyond id, at and attempts are the caller's (the SAF queue adds kind, advices): kept as they are.
  await Promise.all([a.add(entry('e1')), a.add(entry('e2', { kind: 'advice' })), a.add(entry('e3'))]);
  await a.attempt('e2', 1);
  await a.attempt('e2', 2);
  await a.done('e1', 'reversed');
  assert.equal(a.size, 2);
  await a.close();

  const b = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  const left = await b.open();
  assert.deepEqual(left.map((e) => [e.id, e.attempts, (e as { kind?: string }).kind]), [['e2', 2, 'advice'], ['e3', undefined, undefined]]);
  assert.deepEqual(left[0]?.reversal, entry('e2').reversal, 'the entry comes back whole');
  await b.done('e2', 'reversed');
  await b.close();

  const c = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  assert.deepEqual((await c.open()).map((e) => e.id), ['e3'], 'answered entries are never returned again');
  const other = new PgJournal({ url, upstream: 'other-bank', lease: 60_000 });
  assert.deepEqual(await other.open(), [], 'each upstream has its own queue');
  await Promise.all([c.close(), other.close()]);
  assert.deepEqual((await rows(url)).map((r) => [r.id, r.outcome]), [['e1', 'reversed'], ['e2', 'reversed'], ['e3', null]]);
});

test('PgJournal: records added in the same turn go in one statement (group commit)', async () => {
  const url = cluster.createDatabase('journal_batch');
  const j = new PgJournal({ url, lease: 60_000 });
  await j.open();
  await Promise.all(Array.from({ length: 50 }, (_, i) => j.add(entry(`b${i}`))));
  assert.deepEqual(j.batches.add, { statements: 1, records: 50 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => j.done(`b${i}`, 'not-needed')));
  assert.deepEqual(j.batches.done, { statements: 1, records: 50 });
  assert.equal(await j.add(entry('b1')), 'exists', 'an id already in the store (and ended) is not stored again');
  assert.deepEqual(j.batches.add, { statements: 2, records: 51 });
  await j.close();
});

test('PgJournal: two nodes claim disjoint entries once the holder is gone; the old holder can no longer send or settle them', async () => {
  const url = cluster.createDatabase('journal_claims');
  const dead = new PgJournal({ url, lease: 60_000, owner: 'dead-node' });
  await dead.open();
  const ids = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  await Promise.all(ids.map((id) => dead.add(entry(id))));
  await dead.attempt('c00', 1);

  const a = new PgJournal({ url, lease: 60_000, claimBatch: 4, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 60_000, claimBatch: 4, owner: 'node-b' });
  assert.deepEqual(await a.open(), [], 'nothing to claim while the holder\'s lease runs');
  assert.deepEqual(await b.open(), []);
  await expireLeases(url);
  // A claim in progress on another node, made deterministic: a transaction of the test holds the rows c15..c29 (as a
  // claimer's FOR UPDATE would) while node a claims, so a's claim skips them (SKIP LOCKED) and takes only the rest;
  // once they are free, node b takes them, and nothing a holds.
  const blocker = new pg.Client({ connectionString: url });
  await blocker.connect();
  const got = { a: [] as JournalEntry[], b: [] as JournalEntry[] };
  try {
    await blocker.query('BEGIN');
    await blocker.query("SELECT id FROM iso8583_saf WHERE id >= 'c15' FOR UPDATE");
    got.a.push(...(await a.claim()));
    await blocker.query('COMMIT');
  } finally {
    await blocker.end();
  }
  got.b.push(...(await b.claim()));
  const [againA, againB] = await Promise.all([a.claim(), b.claim()]);
  assert.deepEqual([againA.length, againB.length], [0, 0], 'nothing left to claim: each entry is held by one node');
  const ofA = new Set(got.a.map((e) => e.id));
  const ofB = new Set(got.b.map((e) => e.id));
  assert.deepEqual([...ofA].sort(), ids.slice(0, 15), 'a claimed every entry not held by the claim in progress');
  assert.deepEqual([...ofB].sort(), ids.slice(15), 'b claimed the entries the other claim let go, none of a\'s');
  assert.deepEqual([...ofA, ...ofB].sort(), ids, 'every entry claimed once');
  assert.equal([...got.a, ...got.b].find((e) => e.id === 'c00')?.attempts, 1, 'a claim resumes after the recorded attempt');
  for (const r of await rows(url)) assert.equal(r.lease_owner, ofA.has(r.id) ? 'node-a' : 'node-b');

  // The old holder comes back (it was only stalled): it may neither send nor settle entries it no longer holds.
  await assert.rejects(dead.attempt('c01', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await assert.rejects(dead.done('c02', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  // A host's answer ends the entry whoever holds it; its holder then records no further attempt (never sent again).
  await dead.done('c03', 'reversed');
  const holder = ofA.has('c03') ? a : b;
  await assert.rejects(holder.attempt('c03', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await holder.done('c03', 'reversed');
  assert.equal((await rows(url)).find((r) => r.id === 'c03')?.outcome, 'reversed');
  await Promise.all([a.close(), b.close(), dead.close()]);
});

test('PgJournal: close hands the held entries back at once; a not-needed outcome whose success was not seen is reopened by the reversal that follows', async () => {
  const url = cluster.createDatabase('journal_release');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  await a.add(entry('r1'));
  await a.add(entry('r2'));
  // The original was answered and `done` committed, but the node saw a failure (connection lost after the commit)
  // and told the caller so: the reversal it then starts must not be refused, or the two outcomes would disagree.
  await a.done('r2', 'not-needed');
  await a.attempt('r2', 1);
  assert.deepEqual((await rows(url)).map((r) => [r.id, r.attempts, r.done]), [['r1', 0, false], ['r2', 1, false]]);
  await a.close();
  const b = new PgJournal({ url, lease: 60_000, owner: 'node-b' });
  assert.deepEqual((await b.open()).map((e) => e.id).sort(), ['r1', 'r2'], 'taken over without waiting for the lease');
  await b.close();
});

test('PgJournal: a store that cannot be reached fails open with a coded error naming the store, password masked', async () => {
  const j = new PgJournal({ url: `postgresql://iso8583:s3cret-pw@127.0.0.1:${cluster.port}/no_such_database` });
  await assert.rejects(j.open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.match(err.message, /no_such_database/);
    assert.doesNotMatch(err.message, /s3cret-pw/);
    assert.match(err.message, /\*\*\*/);
    return true;
  });
  await assert.rejects(j.add(entry('x')), { code: 'ISO8583_ERR_CONNECTOR_STORE' });
});

test('PgJournal: an answer that cannot be committed while the database is away is tried again until it commits; close never hands the answered entry back', async (t) => {
  const url = cluster.createDatabase('journal_unsettled');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  await a.add(entry('u1'));
  await a.add(entry('u2'));
  await a.attempt('u1', 1);
  cluster.stopServer();
  let up = false;
  t.after(() => {
    if (!up) cluster.startServer();
  });
  const answered = a.done('u1', 'reversed');
  await waitUntil(() => a.unsettledOutcomes === 1, { what: 'the outcome to wait for the database' });
  assert.equal(a.size, 2, 'the answered entry is still held (its lease renewed), not let go');
  cluster.startServer();
  up = true;
  await a.close();
  await answered;
  const b = new PgJournal({ url, lease: 60_000, owner: 'node-b' });
  assert.deepEqual((await b.open()).map((e) => e.id), ['u2'], 'the answered entry is never claimed again');
  await b.close();
  assert.deepEqual((await rows(url)).map((r) => [r.id, r.outcome]), [['u1', 'reversed'], ['u2', null]]);
});

test('PgJournal: a claim takes every entry whose lease ended, a full batch after another, not one batch per claim interval', async () => {
  const url = cluster.createDatabase('journal_claim_all');
  const dead = new PgJournal({ url, lease: 60_000, owner: 'dead-node' });
  await dead.open();
  await Promise.all(Array.from({ length: 25 }, (_, i) => dead.add(entry(`m${String(i).padStart(2, '0')}`))));
  await expireLeases(url);
  const a = new PgJournal({ url, lease: 60_000, claimBatch: 10, owner: 'node-a' });
  assert.equal((await a.open()).length, 25, 'all of them at the start, in three statements');
  const b = new PgJournal({ url, lease: 60_000, claimBatch: 5, owner: 'node-b' });
  assert.deepEqual(await b.open(), [], 'nothing while node-a holds them');
  await expireLeases(url);
  assert.equal((await b.claim()).length, 25, 'and while running, with an exactly full last batch');
  await Promise.all([a.close(), b.close(), dead.close()]);
});

test('PgJournal: a refusal by the database carries no value of the entry in its error or its cause', async () => {
  const url = cluster.createDatabase('journal_refusal_text');
  const j = new PgJournal({ url, lease: 60_000 });
  await j.open();
  // An attempts count the database cannot read as an integer: refused by the server, whose error names the value.
  const bad = { ...entry('x1'), attempts: 'PAN-4111111111111111' } as unknown as JournalEntry;
  await assert.rejects(j.add(bad), (err: Error & { code?: string; cause?: Error & Record<string, unknown> }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    const text = JSON.stringify({ message: err.message, stack: err.stack, cause: err.cause, causeMessage: err.cause?.message, causeStack: err.cause?.stack });
    assert.doesNotMatch(text, /4111111111111111/);
    assert.equal(err.cause?.['code'], '22P02', 'the SQLSTATE is kept');
    assert.equal(err.cause?.['where'], undefined);
    assert.equal(err.cause?.['detail'], undefined);
    return true;
  });
  await j.close();
});

test('PgJournal: a claimed entry is dated on the claiming node\'s clock from its age on the database\'s, whatever the clock of the node that wrote it', async () => {
  const url = cluster.createDatabase('journal_skew');
  // The writer's clock is an hour ahead (e1) or behind (e2): with `expireAfter`, an entry dated an hour ago by the
  // claiming node would expire before it is ever sent.
  const skewed = new PgJournal({ url, lease: 60_000, owner: 'skewed-node' });
  await skewed.open();
  await skewed.add(entry('e1', { at: Date.now() + 3_600_000 }));
  await skewed.add(entry('e2', { at: Date.now() - 3_600_000 }));
  await expireLeases(url);
  const other = new PgJournal({ url, lease: 60_000, owner: 'other-node' });
  const before = Date.now();
  const claimed = await other.open();
  const after = Date.now();
  assert.deepEqual(claimed.map((e) => e.id), ['e1', 'e2']);
  for (const e of claimed) assert.ok(e.at <= after && e.at > before - 60_000, `${e.id} dated from its age (${e.at - before} ms from the claim)`);
  await Promise.all([skewed.close(), other.close()]);
});

test('PgJournal: an upstream takes over the entries stored under its former keys (formerUpstreams), never those of another upstream', async () => {
  const url = cluster.createDatabase('journal_former_keys');
  // Rows as an earlier configuration stored them: the first upstream's under `upstream`, another bank's under its name.
  const before = new PgJournal({ url, upstream: 'upstream', lease: 60_000 });
  await before.open();
  await before.add(entry('old-b1'));
  await before.close();
  const otherBank = new PgJournal({ url, upstream: 'b2', lease: 60_000 });
  await otherBank.open();
  await otherBank.add(entry('of-b2'));
  await otherBank.close();

  const b1 = new PgJournal({ url, upstream: 'b1', formerUpstreams: ['upstream'], lease: 60_000 });
  assert.deepEqual((await b1.open()).map((e) => e.id), ['old-b1'], "b1 takes what was stored under its former key, not b2's entry");
  await b1.add(entry('new-b1'));
  await b1.close();
  const b2 = new PgJournal({ url, upstream: 'b2', lease: 60_000 });
  assert.deepEqual((await b2.open()).map((e) => e.id), ['of-b2'], "b2 takes only its own: none of b1's, old or new");
  await b2.close();
});

test('PgJournal: addOriginal is refused (DUPLICATE_KEY, nothing stored) while the same transaction is pending on another node, and taken once it is done', async () => {
  const url = cluster.createDatabase('journal_add_original');
  const original = (id: string, stan: string, terminal = 'TERM0001'): JournalEntry => ({ id, reversal: { '0': '0400', '4': '000000001000', '11': stan, '41': terminal }, at: Date.now() });
  const a = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  const b = new PgJournal({ url, upstream: 'bank', lease: 60_000 });
  const otherBank = new PgJournal({ url, upstream: 'other-bank', lease: 60_000 });
  await Promise.all([a.open(), b.open(), otherBank.open()]);
  try {
    await a.addOriginal(original('a1', '000001'));
    await assert.rejects(b.addOriginal(original('b1', '000001')), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY');
      return true;
    });
    // Another STAN, another terminal, another upstream, an advice or a caller's own reversal (add): not the same transaction.
    await b.addOriginal(original('b2', '000002'));
    await b.addOriginal(original('b3', '000001', 'TERM0002'));
    await otherBank.addOriginal(original('o1', '000001'));
    await b.add(original('b4', '000001'));
    assert.deepEqual((await rows(url)).map((r) => r.id), ['a1', 'b2', 'b3', 'b4', 'o1'], 'the refused entry was not stored');
    await a.done('a1', 'not-needed');
    await b.done('b4', 'reversed');
    await b.addOriginal(original('b5', '000001'));
  } finally {
    await Promise.all([a.close(), b.close(), otherBank.close()]);
  }
});
