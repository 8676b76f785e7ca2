// With a shared store (PostgreSQL, leases), a request whose reversal was stored but which then waits longer than the
// lease allows before its write (a long wait for a connection, a stalled process) must not be written: another node
// may have claimed the entry once the lease ran out and reversed the original, which would then reach the bank after
// its own reversal. The same bound as the add's stall check (`lease - claimInterval` after the add was asked for),
// checked again just before the write. Real PostgreSQL, a real socket peer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { Connector, SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { lockSession } from './helpers/pg-owner-lock.js';
import { peerAndConnector } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * A connector on `journal` with one connection (exclusive pool), to a peer that holds the echo test of STAN 000001 (an
 * echo: nothing stored for it, so no send-by of its own to race a stalled machine), its connection busy, and answers
 * anything else at once; `held()` is that echo test once received.
 */
async function oneBusyConnection(t: TestContext, journal: PgJournal): Promise<{ peer: Peer; connector: Connector; held: () => Received | undefined }> {
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['11'] === '000001') held = r;
    else p.send(r.socket, answer(r.message));
  }, {
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 20_000 },
    requestTimeout: 20_000,
    reversal: { enabled: true, journal },
    transactionLog: false,
  });
  return { peer, connector, held: () => held };
}

test('a request that waited for a connection past lease - claimInterval after its reversal was stored is not written (ISO8583_ERR_CONNECTOR_STORE), and not reversed', async (t) => {
  const url = cluster.createDatabase('send_by');
  // lease 1500 ms, claimInterval 500 ms: a request may be written up to 1000 ms after its add was asked for.
  const journal = new PgJournal({ url, lease: 1500, owner: 'node-a' });
  const { peer, connector, held } = await oneBusyConnection(t, journal);
  const saf: SafEvent[] = [];
  connector.on('saf', (e) => saf.push(e));
  await connector.connect();

  const first = connector.request({ 0: '0800', 11: '000001', 41: 'TERM0001', 70: '301' });
  await peer.waitFor(1);
  const asked = performance.now();
  const second = connector.request(purchase('000002'));
  // A deadline, not an order: the second waits for the one connection until its time to be written has passed.
  await waitUntil(() => performance.now() - asked > 1200, { timeoutMs: 10_000, what: 'the second request to have waited past its send-by time' });
  const h = held() as Received;
  peer.send(h.socket, answer(h.message));
  assert.equal((await first)['39'], '00');
  await assert.rejects(second, (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.match(err.message, /not sent/);
    return true;
  });
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['000001'], 'the late purchase never reached the host');
  // Never written, so disarmed: its row ends not-needed (before the caller hears), with no attempt, and no reversal is queued.
  assert.deepEqual(saf.filter((e) => e.stan === '000002'), []);
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  t.after(() => check.end());
  const rows = (await check.query<{ outcome: string | null; attempts: number }>("SELECT outcome, attempts FROM iso8583_saf WHERE entry->'reversal'->>'11' = '000002'")).rows;
  assert.deepEqual(rows, [{ outcome: 'not-needed', attempts: 0 }]);
  const third = await connector.request(purchase('000003'));
  assert.equal(third['39'], '00', 'the connection serves the next request');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['000001', '000003']);
});

test('a request whose journal\'s owner lock broke after its reversal was stored is not written (ISO8583_ERR_CONNECTOR_STORE), however long the lease', async (t) => {
  const url = cluster.createDatabase('send_by_lock');
  const journal = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  const { peer, connector, held } = await oneBusyConnection(t, journal);
  await connector.connect();
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  t.after(() => check.end());

  const first = connector.request({ 0: '0800', 11: '000001', 41: 'TERM0001', 70: '301' });
  await peer.waitFor(1);
  const second = connector.request(purchase('000002'));
  await waitUntil(async () => (await check.query("SELECT 1 FROM iso8583_saf WHERE entry->'reversal'->>'11' = '000002'")).rowCount === 1, { what: 'the second request\'s reversal to be stored' });
  // Its lock's session ends while the second waits for the connection: another node may claim the entry from now on.
  const lock = await lockSession(url, 'node-a');
  assert.ok(lock !== undefined, 'node-a holds its owner lock in this database');
  await check.query('SELECT pg_terminate_backend($1)', [lock]);
  await waitUntil(() => journal.heldSince() === undefined, { what: 'the journal to see its lock\'s session end' });
  const h = held() as Received;
  peer.send(h.socket, answer(h.message));
  assert.equal((await first)['39'], '00');
  await assert.rejects(second, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.match(err.message, /not sent/);
    return true;
  });
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['000001'], 'the purchase never reached the host');
  const third = await connector.request(purchase('000003'));
  assert.equal(third['39'], '00', 'the next request takes the lock back and goes');
});
