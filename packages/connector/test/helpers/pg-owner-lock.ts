/**
 * What the owner lock's tests (pg-owner-lock*.test.ts) share: an entry, a statement on a session of its own, the
 * server process of an owner's lock session, claims until enough came back, and a node whose lock's session the
 * server ended without the node seeing it. Also the terminal locks of a database, for the terminal lock's tests. The
 * server may be shared by other test files (sharedPostgres): what reads `pg_locks` looks at its own database only.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { OWNER_LOCK_NAMESPACE, PgJournal, TERMINAL_LOCK_NAMESPACE, terminalLockKey } from '../../src/index.js';
import type { JournalEntry, PgJournalOptions } from '../../src/index.js';
import { lockRelay } from './pg-lock-relay.js';
import type { LockRelay } from './pg-lock-relay.js';

/** A reversal entry of id `id` (its STAN the id's last six characters). */
export function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0') }, at: Date.now() };
}

/** One renewal of `node`'s leases now, as its timer does every `safLease / 3` ms. */
export const renewNow = (node: PgJournal): Promise<void> => (node as unknown as { renew(): Promise<void> }).renew();

/** Runs `text` on a session of its own; resolves with its rows. */
export async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The condition on a `pg_locks` row (aliased `l`) that it is a lock of the session's own database: another test
 * file's database on a shared server (sharedPostgres) may hold or wait for the same advisory locks.
 */
export const IN_THIS_DATABASE = 'l.database = (SELECT oid FROM pg_database WHERE datname = current_database())';

/** The server process of the session that holds `owner`'s lock, if one does (in `url`'s database). */
export async function lockSession(url: string, owner: string): Promise<number | undefined> {
  const rows = await sql<{ pid: number }>(
    url,
    `SELECT l.pid FROM pg_locks l JOIN iso8583_saf_owner o ON l.objid = o.key
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.granted AND o.owner = $2 AND ${IN_THIS_DATABASE}`,
    [OWNER_LOCK_NAMESPACE, owner],
  );
  return rows[0]?.pid;
}

/**
 * How many terminal locks of `url`'s database are `granted` (held), or not (sessions waiting for one): of terminal
 * `terminal` only if given, else of any terminal.
 */
export async function terminalLocks(url: string, granted: boolean, terminal?: string): Promise<number> {
  const rows = await sql<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.granted = $2 AND ($3::oid IS NULL OR l.objid = $3::oid) AND ${IN_THIS_DATABASE}`,
    [TERMINAL_LOCK_NAMESPACE, granted, terminal === undefined ? null : terminalLockKey(terminal) >>> 0],
  );
  return rows[0]?.n ?? 0;
}

/** Claims until `n` entries came back (each claim takes what is claimable now). */
export async function claimAll(journal: PgJournal, n: number, what: string): Promise<JournalEntry[]> {
  const got: JournalEntry[] = [];
  await waitUntil(async () => {
    got.push(...(await journal.claim()));
    return got.length >= n;
  }, { what });
  return got.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * A node ('live-node', a lease of `lease` ms: by default 10 minutes, no renewal during a test) on a new database
 * `database` (and `options`), open, behind a relay (its statements can be held, its lock's session hidden); destroyed
 * after the test.
 */
export async function liveBehindRelay(t: TestContext, cluster: PostgresCluster, database: string, lease = 600_000, options: Partial<PgJournalOptions> = {}): Promise<{ url: string; relay: LockRelay; live: PgJournal }> {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  const live = new PgJournal({ url: relay.url, lease, owner: 'live-node', ...options });
  t.after(async () => {
    await live.destroy();
    await relay.close();
  });
  await live.open();
  return { url, relay, live };
}

/**
 * A node ('live-node', a lease of 10 minutes: no renewal, every 200 s, and no lease end during a test) holding entry
 * `id` (and the entries `more`), behind a relay that hides from it the end of its lock's session, which the server has
 * just ended (from then on its adds are refused: `ADD` checks the lock). `options`: the node's own.
 */
export async function lockEndedUnseen(t: TestContext, cluster: PostgresCluster, database: string, id: string, more: readonly string[] = [], options: Partial<PgJournalOptions> = {}): Promise<{ url: string; relay: LockRelay; live: PgJournal }> {
  const { url, relay, live } = await liveBehindRelay(t, cluster, database, 600_000, options);
  for (const held of [id, ...more]) await live.add(entry(held));
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  return { url, relay, live };
}

/**
 * Two nodes on a new database `database` of a cluster of their own, open: node-a (a lease of 10 minutes) behind a
 * relay (its lock's session can be hidden from it), node-b (the same lease) straight on the server. One cleanup after
 * the test, in order: the journals, the relay, then the cluster (`t.after` runs its cleanups in registration order).
 */
export async function nodePair(t: TestContext, database: string): Promise<{ cluster: PostgresCluster; url: string; relay: LockRelay; a: PgJournal; b: PgJournal }> {
  // own cluster: pg-owner-failover restarts the pair's server (every session ended, live nodes' too).
  const cluster = await startPostgres();
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  const a = new PgJournal({ url: relay.url, lease: 600_000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 600_000, owner: 'node-b' });
  t.after(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
    await relay.close();
    cluster.destroy();
  });
  await a.open();
  await b.open();
  return { cluster, url, relay, a, b };
}

/** The statement of a `not-needed` done (`DONE`), for a relay to hold: the pg-answer-unseen tests cut it after its commit. */
export const DONE_STATEMENT = 'SET done_at = now(), outcome = d.outcome';

/** The row of the only SAF entry of the database at `url`: pending (reopened) or done, and its outcome. */
export async function onlyRow(url: string): Promise<{ pending: boolean; outcome: string | null }> {
  const [found] = await sql<{ pending: boolean; outcome: string | null }>(url, 'SELECT done_at IS NULL AS pending, outcome FROM iso8583_saf');
  assert.ok(found !== undefined, 'the entry is in the store');
  return found;
}
