// A statement refused for want of the owner lock (an add, a renewal: each checks the lock in the statement) is itself
// the news that the lock's session ended, whether or not that end reached the node (its FATAL message lost, a
// half-open connection): the node takes its lock again at once (one take at a time), and says so once. Waiting for
// the next renewal's ping instead refused every add until then, or for ever while the ping hung on that connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';
import { entry, lockEndedUnseen, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const renew = (node: PgJournal): Promise<void> => (node as unknown as { renew(): Promise<void> }).renew();

test('after adds refused for want of the owner lock (its session ended unseen), the next adds are stored: the refusal took the lock again; one log line', async (t) => {
  const { logger, lines } = capturedLogger('info');
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_refused_add', 'r1', [], { logger });
  const first = ['r2', 'r3', 'r4'].map((id) => live.add(entry(id)));
  for (const adding of first) await assert.rejects(adding, { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'ownerLock' });
  await Promise.all(['r5', 'r6', 'r7'].map((id) => live.add(entry(id))));
  assert.equal(typeof live.heldSince(), 'number', 'the lock held again');
  assert.ok((await lockSession(url, 'live-node')) !== undefined, 'by a session of the server');
  assert.deepEqual((await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf ORDER BY id')).map((r) => r.id), ['r1', 'r5', 'r6', 'r7']);
  assert.equal(lines.filter((l) => String(l['msg']).startsWith('owner lock lost')).length, 1, 'the loss logged once');
  assert.equal(lines.filter((l) => String(l['msg']).startsWith('owner lock held again')).length, 1, 'the retake logged once');
});

test('a renewal while the owner lock\'s session ended unseen renews no lease (its entries wait for the lock, or their lease), and takes the lock again', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_refused_renew', 'n1');
  const lease = async (): Promise<string | undefined> => (await sql<{ lease: string }>(url, "SELECT lease_until::text AS lease FROM iso8583_saf WHERE id = 'n1'"))[0]?.lease;
  const before = await lease();
  await renew(live);
  assert.equal(await lease(), before, 'not renewed while the lock is not held');
  assert.equal(live.size, 1, 'still held here (another node claims it, or this node sends it once its lock is back)');
  await renew(live);
  assert.equal(typeof live.heldSince(), 'number', 'the lock held again');
  assert.notEqual(await lease(), before, 'renewed once the lock is held again');
});

test('a renewal does not touch an entry another node claimed (the owner gone): its node drops it', async (t) => {
  const { logger, lines } = capturedLogger('warn');
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_renew_claimed', 'c1', [], { logger });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['c1'], 'taken at once: its owner is gone, whatever its lease');
  const [claimed] = await sql<{ lease: string }>(url, "SELECT lease_until::text AS lease FROM iso8583_saf WHERE id = 'c1'");
  await renew(live);
  await renew(live);
  assert.deepEqual(await sql(url, "SELECT lease_owner, lease_until::text AS lease FROM iso8583_saf WHERE id = 'c1'"), [{ lease_owner: 'other-node', lease: claimed?.lease }]);
  assert.equal(live.size, 0, 'dropped');
  assert.equal(lines.filter((l) => l['code'] === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' && l['entries'] === 1).length, 1);
});

test('an attempt refused for want of the owner lock (its session ended unseen) takes the lock again at once, and hands the entry back: another node sends it', async (t) => {
  const { url, live } = await lockEndedUnseen(t, cluster, 'owner_refused_attempt', 'e1');
  await assert.rejects(live.attempt('e1', 1), { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  await waitUntil(async () => (await lockSession(url, 'live-node')) !== undefined, { what: 'the node to take its lock again', timeoutMs: 10_000 });
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf WHERE id = 'e1' AND lease_until <= now()")).length === 1, { what: 'the entry let go to be released', timeoutMs: 10_000 });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => [e.id, e.attempts]), [['e1', undefined]], 'taken at once; the refused attempt not counted');
});
