// The PostgreSQL store records which upstream (host:port) each store key's entries belong to (iso8583_saf_upstream,
// SAF schema step 12): a connector pointed at another bank over a key that still owes the last one's reversals is
// refused before it claims (and sends) any, naming the key, both upstreams and what to do; the nodes of one deployment
// (same host:port) start together without a refusal; a key that owes nothing is taken over. And a connector with
// reversal and SAF off over the store's pending rows under its keys is refused, as over a journal folder that owes
// them (its start never sent them and said nothing).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import pg from 'pg';
import { PgJournal, createConnector } from '../src/index.js';
import type { Connector, ConnectorOptions, JournalEntry } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';
import { MIGRATIONS, migrate } from '../src/pg/migrations.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The rows of `sql` on the database of `url`. */
async function rows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0'), '41': 'TERM0001' }, at: Date.now() };
}

test('a connector pointed at another bank over a store key that still owes a reversal is refused, nothing sent; at its own bank it sends it; reversal off over it is refused', async (t) => {
  const url = cluster.createDatabase('upstream_marker_banks');
  const seenA: string[] = [];
  const seenB: string[] = [];
  const bankA = await peerFor(t, (r) => void seenA.push(String(r.message['0'])));
  const bankB = await peerFor(t, (r) => void seenB.push(String(r.message['0'])));
  const connector = (port: number, extra: Partial<ConnectorOptions> = {}): Connector => {
    const c = createConnector({ name: 'bank', host: '127.0.0.1', port, store: url, requestTimeout: 300, reversal: { enabled: true }, saf: { retryInterval: 60_000, initialDelay: 0 }, ...extra });
    t.after(() => c.destroy());
    return c;
  };
  const a = connector(bankA.port);
  await a.connect();
  const sent = safEvent(a, 'sent');
  assert.equal((await failure(a.request(purchase('000777')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await sent;
  await a.close(); // bank A never answers: its reversal stays pending under the key `bank`

  const b = connector(bankB.port);
  const err = await failure(b.connect());
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal(err.field, 'host');
  assert.match(err.message, /1 entries .* \(1 reversals owed\) under the key "bank" for the upstream 127\.0\.0\.1:\d+/);
  assert.ok(err.message.includes(`127.0.0.1:${bankA.port}`) && err.message.includes(`not 127.0.0.1:${bankB.port}`), err.message);
  assert.match(err.message, /DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'/);
  assert.doesNotMatch(err.message, /4111111111111111/);
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: `127.0.0.1:${bankA.port}` }]);
  assert.deepEqual(seenB.filter((m) => m.startsWith('04')), [], 'bank B never got bank A\'s reversal');
  const [pending] = await rows<{ n: number }>(url, 'SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL');
  assert.equal(pending?.n, 1, 'still pending for bank A');
  // A key taken over from an earlier configuration (storeKeys) is checked too.
  const renamed = connector(bankB.port, { name: 'bank2', storeKeys: ['bank2', 'bank'] });
  assert.equal((await failure(renamed.connect())).field, 'host');

  // Reversal and SAF off over the store's pending row: refused (it would never send it), nothing sent.
  const off = createConnector({ name: 'bank', host: '127.0.0.1', port: bankA.port, store: url });
  t.after(() => off.destroy());
  const offErr = await failure(off.connect());
  assert.equal(offErr.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal(offErr.field, 'reversal.enabled');
  assert.match(offErr.message, /reversal and SAF are off, and the store postgresql:\/\/\S+ holds 1 entries .* \(1 reversals owed\) under the keys "bank" that no running node holds: turn reversal.enabled/);

  // Back at bank A: the reversal goes there (a repeat).
  const again = connector(bankA.port);
  await again.connect();
  await waitUntil(() => seenA.includes('0401'), { what: 'bank A to get the repeat' });
  assert.deepEqual(seenB.filter((m) => m.startsWith('04')), []);
});

test('nodes of one deployment naming the bank in other letter cases (and a trailing dot) open together, and restart over its pending entries; another upstream is refused while the key owes, taken over once it owes nothing', async () => {
  const url = cluster.createDatabase('upstream_marker_nodes');
  const spellings = ['Bank.Example:1001', 'bank.example:1001', 'BANK.EXAMPLE.:1001'];
  const nodes = spellings.map((address) => new PgJournal({ url, upstream: 'bank', address, lease: 60_000 }));
  try {
    await Promise.all(nodes.map((j) => j.open()));
    await nodes[0]!.add(entry('e000001'));
  } finally {
    await Promise.all(nodes.map((j) => j.close()));
  }
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: 'bank.example:1001' }]);
  const other = new PgJournal({ url, upstream: 'bank', address: '[::1]:2002', lease: 60_000 });
  assert.equal((await failure(other.open())).code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: 'bank.example:1001' }]);
  // A node of the deployment spelling the bank its own way restarts over the pending entry (the bank's outage) and claims it.
  const own = new PgJournal({ url, upstream: 'bank', address: 'bank.EXAMPLE:1001', lease: 60_000 });
  const claimed = await own.open();
  assert.deepEqual(claimed.map((e) => e.id), ['e000001']);
  await own.done('e000001', 'reversed');
  await own.close();
  // Once it owes nothing (and no node runs on it), the key is another upstream's at its next start.
  const taker = new PgJournal({ url, upstream: 'bank', address: '[::1]:2002', lease: 60_000 });
  await taker.open();
  await taker.close();
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: '[::1]:2002' }]);
});

test('a start at another bank is refused while a node of the key runs idle (owing nothing): nothing rewritten, the running node\'s later entry stays its bank\'s; taken over once it stopped', async () => {
  const url = cluster.createDatabase('upstream_marker_live');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  await a.open();
  try {
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
    const err = await failure(b.open());
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(err.field, 'host');
    assert.match(err.message, /1 running node\(s\) use the key "bank" \(iso8583_saf_upstream: nodes at 127\.0\.0\.1:1001 are running on this key\), not 127\.0\.0\.1:2002/);
    assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: '127.0.0.1:1001' }]);
    // A adds an entry and closes: its restart at its own bank claims it (main: refused, "point it back at B").
    await a.add(entry('e000003'));
  } finally {
    await a.close();
  }
  const again = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  try {
    assert.deepEqual((await again.open()).map((e) => e.id), ['e000003']);
    await again.done('e000003', 'reversed');
  } finally {
    await again.close();
  }
  const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
  await b.open();
  await b.close();
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: '127.0.0.1:2002' }]);
});

test('a refused start writes no row: every key is checked before any is recorded', async () => {
  const url = cluster.createDatabase('upstream_marker_all_keys');
  const old = new PgJournal({ url, upstream: 'owes', address: '127.0.0.1:1001', lease: 60_000 });
  await old.open();
  await old.add(entry('e000004'));
  await old.close();
  const idle = new PgJournal({ url, upstream: 'idle', address: '127.0.0.1:1001', lease: 60_000 });
  await idle.open();
  await idle.close();
  // Its first key owes nothing (would be taken over), its second owes bank 1001 an entry: refused, neither rewritten.
  const b = new PgJournal({ url, upstream: 'idle', formerUpstreams: ['owes'], address: '127.0.0.1:2002', lease: 60_000 });
  const err = await failure(b.open());
  assert.equal(err.field, 'host');
  assert.match(err.message, /under the key "owes"/);
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream ORDER BY upstream'), [
    { upstream: 'idle', address: '127.0.0.1:1001' },
    { upstream: 'owes', address: '127.0.0.1:1001' },
  ]);
});

test('reversal off beside a running node of the key: the rows that node holds do not refuse it; once it stopped they do; an unreachable store fails it, its password not said', async (t) => {
  const url = cluster.createDatabase('upstream_marker_off_live');
  const bank = await peerFor(t, () => undefined);
  const live = new PgJournal({ url, upstream: 'bank', address: `127.0.0.1:${bank.port}`, lease: 60_000 });
  await live.open();
  try {
    await live.add(entry('e000005'));
    const off = createConnector({ name: 'bank', host: '127.0.0.1', port: bank.port, store: url });
    t.after(() => off.destroy());
    await off.connect();
    await off.close();
  } finally {
    await live.close();
  }
  const off = createConnector({ name: 'bank', host: '127.0.0.1', port: bank.port, store: url });
  t.after(() => off.destroy());
  assert.equal((await failure(off.connect())).field, 'reversal.enabled');

  const unreachable = createConnector({ name: 'bank', host: '127.0.0.1', port: bank.port, store: 'postgresql://u:secret@127.0.0.1:1/db' });
  t.after(() => unreachable.destroy());
  const err = await failure(unreachable.connect());
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.equal(err.field, 'store');
  assert.doesNotMatch(err.message, /secret/);
});

test('migrate: a database at SAF version 11 with a pending row gets step 12; the key without a recorded upstream is taken as the first start\'s, which claims the row', async () => {
  const url = cluster.createDatabase('upstream_marker_migrate');
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migrate(pool, MIGRATIONS.filter((m) => m.version <= 11 || m.version >= 100));
    const old = JSON.stringify(entry('e000002'));
    await pool.query("INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES ('e000002', 'bank', $1, 'gone', now() - interval '1 minute')", [old]);
    assert.equal(await migrate(pool), Math.max(...MIGRATIONS.map((m) => m.version)));
    assert.equal((await pool.query('SELECT 1 FROM iso8583_schema WHERE version = 12')).rowCount, 1);
    assert.equal((await pool.query('SELECT 1 FROM iso8583_saf_upstream')).rowCount, 0, 'nothing recorded by the step');
  } finally {
    await pool.end();
  }
  const j = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:3003', lease: 60_000 });
  try {
    assert.deepEqual((await j.open()).map((e) => e.id), ['e000002']);
  } finally {
    await j.close();
  }
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: '127.0.0.1:3003' }]);
});

test('a start at another bank while a node of the key runs with pending entries is refused as running nodes (stop them first), never with the DELETE hint; once stopped, the hint says to keep every node stopped', async () => {
  const url = cluster.createDatabase('upstream_marker_live_owed');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  await a.open();
  try {
    await a.add(entry('e000004'));
    const err = await failure(new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 }).open());
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(err.field, 'host');
    assert.match(err.message, /1 running node\(s\) use the key "bank" .*Stop them first/);
    assert.doesNotMatch(err.message, /DELETE FROM/, 'no row deletion suggested while a node of the key runs');
  } finally {
    await a.close();
  }
  const err = await failure(new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 }).open());
  assert.match(err.message, /1 entries .* under the key "bank"/);
  assert.match(err.message, /with every node of the key stopped, delete the key's row: DELETE FROM iso8583_saf_upstream WHERE upstream = 'bank'/);
  assert.deepEqual(await rows(url, 'SELECT upstream, address FROM iso8583_saf_upstream'), [{ upstream: 'bank', address: '127.0.0.1:1001' }]);
});
