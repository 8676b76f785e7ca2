// An attempt recorded just before its node's owner lock's session ends: the node sends it (its record committed while
// it held the lock), so another node that finds the owner gone must not take the entry while that attempt may still
// be in flight (written, its answer awaited): both would send it at once. The attempt is fenced: recorded with the
// time by which it is over (its `flight`, on the database's clock), which no claim passes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { claimAll, entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('an entry whose attempt committed just before its node\'s lock session ended is not taken by another node until that attempt\'s flight is over; then it is, as a repeat', async (t) => {
  const url = cluster.createDatabase('owner_flight');
  const live = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => Promise.all([live.close(), other.close()]));
  await live.open();
  await other.open();
  await live.add(entry('f1'));
  await live.add(entry('f2'));
  // f1's attempt commits (the lock held): the node writes it now, and awaits its answer, within 1.5 s.
  await live.attempt('f1', 1, 1500);
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, 'live-node')]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  assert.deepEqual((await other.claim()).map((e) => e.id), ['f2'], 'the entry not attempted is taken at once; the one whose attempt may be in flight is not');
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf WHERE id = 'f1' AND attempt_until < now()")).length === 1, { what: 'f1\'s attempt\'s flight to end' });
  assert.deepEqual((await claimAll(other, 1, 'f1 to be taken once its attempt is over')).map((e) => [e.id, e.attempts]), [['f1', 1]], 'taken over with its attempt: sent as a repeat');
});

test('an attempt whose record comes back later than its flight is not sent: taken back, its fence lifted, the entry still held (tried again)', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_flight_late');
  await live.add(entry('l1'));
  const held = relay.holdStatement('SET attempts = greatest');
  const asked = performance.now();
  const attempting = live.attempt('l1', 1, 300);
  await held.held;
  await waitUntil(() => performance.now() - asked > 300, { what: 'the attempt\'s flight to pass while its record is held' });
  held.release();
  await assert.rejects(attempting, { code: 'ISO8583_ERR_CONNECTOR_STORE', field: 'flight' });
  assert.deepEqual(await sql(url, "SELECT attempts, attempt_until FROM iso8583_saf WHERE id = 'l1'"), [{ attempts: 0, attempt_until: null }]);
  assert.equal(live.size, 1, 'still held here');
});

test('an entry whose lease ended while its attempt may be in flight (its node stalled, its renewals late) is not claimed until that attempt\'s flight is over', async (t) => {
  const url = cluster.createDatabase('owner_flight_lease');
  const stalled = new PgJournal({ url, lease: 600_000, owner: 'stalled-node' });
  const other = new PgJournal({ url, lease: 600_000, owner: 'other-node' });
  t.after(() => Promise.all([stalled.close(), other.close()]));
  await stalled.open();
  await other.open();
  await stalled.add(entry('s1'));
  await stalled.attempt('s1', 1, 1500);
  await sql(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second'"); // its lease ran out
  assert.deepEqual(await other.claim(), [], 'not taken while its attempt may be in flight');
  const got = await claimAll(other, 1, 's1 to be taken once its attempt is over');
  assert.deepEqual(got.map((e) => [e.id, e.attempts]), [['s1', 1]]);
  assert.deepEqual(await sql(url, "SELECT lease_owner, attempt_until < now() AS over FROM iso8583_saf WHERE id = 's1'"), [{ lease_owner: 'other-node', over: true }]);
});

test('attempt resolves with the time its flight ends (counted from the call); a flight that is not a positive number is refused', async (t) => {
  const url = cluster.createDatabase('owner_flight_left');
  const live = new PgJournal({ url, lease: 600_000, owner: 'live-node' });
  t.after(() => live.close());
  await live.open();
  await live.add(entry('m1'));
  const called = performance.now();
  const ends = await live.attempt('m1', 1, 60_000);
  const back = performance.now();
  assert.ok(ends >= called + 60_000 && ends <= back + 60_000, `${ends}: the call from ${called} to ${back}`);
  const [row] = await sql<{ fenced: boolean }>(url, "SELECT attempt_until BETWEEN now() + interval '50 seconds' AND now() + interval '60 seconds' AS fenced FROM iso8583_saf WHERE id = 'm1'");
  assert.deepEqual(row, { fenced: true });
  await assert.rejects(live.attempt('m1', 2, 0), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'flight' });
  await assert.rejects(live.attempt('m1', 2, Number.NaN), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'flight' });
});
