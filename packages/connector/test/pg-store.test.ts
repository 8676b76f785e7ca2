// A connector on a PostgreSQL store: reversals journaled in the database, a database outage (requests refused at once
// with a coded error, outcomes kept, recovery by itself), and the take-over of a dead node's entries while running.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, createConnector, openStore } from '../src/index.js';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    return (await pool.query<T>(sql)).rows;
  } finally {
    await pool.end();
  }
}

test('openStore: a postgresql:// URL makes the PostgreSQL store (password masked), anything else the file store', () => {
  const pgStore = openStore({ store: 'postgresql://gw:secret@db.example:5432/iso', upstream: 'bank', safLease: 9000 });
  assert.equal(pgStore.kind, 'postgresql');
  assert.equal(pgStore.where, 'postgresql://gw:***@db.example:5432/iso');
  assert.ok(pgStore.journal instanceof PgJournal);
  assert.equal((pgStore.journal as PgJournal).lease, 9000);
  assert.equal((pgStore.journal as PgJournal).claimInterval, 3000);
  assert.equal(pgStore.terminalLock, undefined, 'no terminal lock unless asked for');
  const file = openStore({ store: '/var/lib/iso8583/bank' });
  assert.equal(file.kind, 'file');
  assert.throws(() => openStore({ store: '' }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 1, store: {} as never }), (err: Error & { problems?: { field: string }[] }) => {
    assert.deepEqual(err.problems?.map((p) => p.field), ['store']);
    return true;
  });
});

test('a database outage: new requests fail at once with ISO8583_ERR_CONNECTOR_STORE and never leave; an answer that cannot be recorded is reversed once the database is back; the node recovers by itself', async (t) => {
  const url = cluster.createDatabase('store_outage');
  let holdPurchases = false;
  const held: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200' && holdPurchases) held.push(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 10_000,
    store: url,
    safLease: 3000,
    reversal: { enabled: true, retryInterval: 100 },
  });
  const answeredReversals: ReversalEvent[] = [];
  connector.on('reversal', (e: ReversalEvent) => {
    if (e.stage === 'answered') answeredReversals.push(e);
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  assert.equal((await connector.request(purchase('100001')))['39'], '00');

  // A purchase in flight when the database goes down: its answer cannot be recorded, so it is reversed (later).
  holdPurchases = true;
  const inFlight = connector.request(purchase('100002'));
  await peer.waitFor(2);
  cluster.stopServer();
  let restarted = false;
  t.after(() => {
    if (!restarted) cluster.startServer();
  });
  held.shift()?.();
  await assert.rejects(inFlight, { code: 'ISO8583_ERR_CONNECTOR_STORE' });

  // While it is down: refused at once, nothing reaches the host unjournaled.
  holdPurchases = false;
  const before = peer.received.length;
  const started = Date.now();
  await assert.rejects(connector.request(purchase('100003')), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.doesNotMatch(err.message, /4111111111111111/);
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'fails at once, not after the request timeout');
  assert.equal(peer.received.length, before, 'no request left without its journal record');

  cluster.startServer();
  restarted = true;
  const response = await waitUntil(() => connector.request(purchase('100004')), { what: 'a request to succeed once the database is back', intervalMs: 50 });
  assert.equal(response['39'], '00');
  // The purchase whose outcome could not be recorded is reversed, once, and marked so.
  await waitUntil(() => answeredReversals.length === 1, { what: 'the reversal of 100002 to be answered' });
  assert.equal(answeredReversals[0]?.stan, '100002');
  const reversals = peer.received.filter((r) => r.message['0'] === '0400' || r.message['0'] === '0401');
  assert.deepEqual(reversals.map((r) => r.message['11']), ['100002']);
  const rows = await query<{ stan: string; outcome: string }>(url, "SELECT entry->'reversal'->>'11' AS stan, outcome FROM iso8583_saf ORDER BY created_at");
  assert.deepEqual(rows, [
    { stan: '100001', outcome: 'not-needed' },
    { stan: '100002', outcome: 'reversed' },
    { stan: '100004', outcome: 'not-needed' },
  ]);
});

test('a running connector takes over the reversals of a node that died, once its lease ended, and sends each as a repeat', async (t) => {
  const url = cluster.createDatabase('store_takeover');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  // The dead node: it journaled two reversals, sent the first attempt of one, and stopped renewing (its lease is short).
  const dead = new PgJournal({ url, upstream: 'bank', lease: 60_000, owner: 'dead-node' });
  await dead.open();
  const reversal = (stan: string): Record<string, string> => ({ '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '41': 'TERM0001', '90': `0200${stan}112110300000000123456`.padEnd(42, '0') });
  await dead.add({ id: 'dead-1', reversal: reversal('200001'), at: Date.now() });
  await dead.add({ id: 'dead-2', reversal: reversal('200002'), at: Date.now() });
  await dead.attempt('dead-1', 1);
  const connector = createConnector({
    name: 'bank',
    host: '127.0.0.1',
    port: peer.port,
    store: url,
    safLease: 300,
    reversal: { enabled: true, retryInterval: 100 },
  });
  const answered: ReversalEvent[] = [];
  const both = new Promise<void>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered' && answered.push(e) === 2) resolve();
    }),
  );
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  assert.equal(peer.received.length, 0, 'nothing taken while the dead node\'s lease runs');
  await query(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second'");
  await both;
  const sent = peer.received.map((r) => `${r.message['0']}/${r.message['11']}`).sort();
  assert.deepEqual(sent, ['0400/200002', '0401/200001'], 'an entry with a recorded attempt resumes as a repeat');
  const rows = await query<{ id: string; outcome: string }>(url, 'SELECT id, outcome FROM iso8583_saf ORDER BY id');
  assert.deepEqual(rows, [
    { id: 'dead-1', outcome: 'reversed' },
    { id: 'dead-2', outcome: 'reversed' },
  ]);
  await dead.close();
});

test('a reversal taken over by another node (its lease ended while this one was stalled) is no longer sent here', async (t) => {
  const url = cluster.createDatabase('store_lease_lost');
  // The host never answers: the purchase times out and its reversal repeats until the entry leaves this node.
  const peer = await startPeer(() => undefined);
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 200,
    store: url,
    safLease: 60_000,
    reversal: { enabled: true, retryInterval: 100 },
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  await assert.rejects(connector.request(purchase('500001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await peer.waitFor(3); // the purchase, the 0400 and a first 0401
  assert.equal(connector.stats().reversalsPending, 1);
  // Another node claims it (as it would once this node's lease had ended).
  await query(url, "UPDATE iso8583_saf SET lease_owner = 'other-node', lease_until = now() + interval '1 minute'");
  await waitUntil(() => connector.stats().reversalsPending === 0, { what: 'the reversal to leave this node' });
  const rows = await query<{ lease_owner: string; done: boolean }>(url, 'SELECT lease_owner, done_at IS NOT NULL AS done FROM iso8583_saf');
  assert.deepEqual(rows, [{ lease_owner: 'other-node', done: false }], 'still pending, for the node that holds it');
});
