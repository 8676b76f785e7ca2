// Two nodes on one PostgreSQL store. Node A armed a purchase (its reversal entry stored) and wrote it; the bank is
// still processing it when A loses the database for longer than the SAF lease (its sessions cut: a flapping path to
// the database; a stalled process is the same to the other node). Node B took the entry over as soon as the lease
// from its add had passed and sent the reversal while the purchase was still at the bank: answered 25 (original not
// found), the entry ended `reversed`; the bank then approved the purchase and A, its `not-needed` refused (lease lost),
// answered 68: the customer charged, the POS told 68, the store saying reversed. The entry is now kept from other
// nodes until the purchase's answer is due (the lease plus the request's own timeout from its add).
// Real PostgreSQL, two connectors, a fake bank on a real socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { capturedLogger, connectorFor, peerAndConnector } from './helpers/setup.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const LEASE = 1500;
const REQUEST_TIMEOUT = 8000;

/**
 * A bank that holds every purchase (0200) until the test approves it (`approve`) and answers a reversal 25 while the
 * purchase it names is still held (original not found: nothing to undo yet), 00 once approved; node A (behind a relay
 * that can take the database away from it) and node B (straight on the database), each a connector with reversal on a
 * PostgreSQL journal of its own owner name, connected.
 */
async function twoNodes(t: Parameters<typeof peerAndConnector>[0], database: string) {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const held: Received[] = [];
  const reversals: { mti: string; code: string }[] = [];
  const handler = (r: Received, p: Peer): void => {
    const mti = String(r.message['0']);
    if (mti === '0200') {
      held.push(r);
      return;
    }
    if (mti.startsWith('040')) {
      const code = held.length > 0 ? '25' : '00';
      reversals.push({ mti, code });
      p.send(r.socket, answer(r.message, { 39: code }));
      return;
    }
    p.send(r.socket, answer(r.message));
  };
  const options = { requestTimeout: REQUEST_TIMEOUT, transactionLog: false as const, reconnect: { initialDelay: 100, maxDelay: 200 } };
  const a = await peerAndConnector(t, handler, { ...options, reversal: { enabled: true, retryInterval: 300, journal: new PgJournal({ url: relay.url, lease: LEASE, owner: 'node-a' }) } });
  const b: Connector = connectorFor(t, { ...options, host: '127.0.0.1', port: a.peer.port, reversal: { enabled: true, retryInterval: 300, journal: new PgJournal({ url, lease: LEASE, owner: 'node-b' }) } });
  await a.connector.connect();
  await b.connect();
  const approve = (): void => {
    const r = held.shift() as Received;
    a.peer.send(r.socket, answer(r.message));
  };
  return { url, relay, a: a.connector, peer: a.peer, held, reversals, approve };
}

test('a purchase still at the bank is not reversed by another node once its node lost the database past the SAF lease: its answer reaches the POS, nothing reversed', async (t) => {
  const { url, relay, a, held, reversals, approve } = await twoNodes(t, 'original_at_bank');
  const sale = a.request(purchase('000001'));
  await waitUntil(() => held.length === 1, { what: 'the bank to hold the purchase' });
  const written = performance.now();
  // A loses the database (its owner lock's session too): B may take A's entries over once their fence has passed.
  relay.away(true);
  // A deadline, not an order: three leases from the write, time for B to take the entry over (every claim interval)
  // if it could, or for a reversal to reach the bank.
  await waitUntil(() => reversals.length > 0 || performance.now() - written > 3 * LEASE, { timeoutMs: 20_000, what: 'three leases to pass' });
  assert.deepEqual(reversals, [], 'no reversal reached the bank while the purchase was still being processed there');
  relay.away(false);
  await waitUntil(async () => (await sql(url, "SELECT 1 FROM iso8583_saf_owner WHERE owner = 'node-a'")).length === 1, { what: 'node-a registered' });
  approve();
  const response = await sale;
  assert.equal(response['39'], '00', 'the approval reaches the POS');
  const rows = await sql<{ outcome: string | null; lease_owner: string; attempts: number }>(url, "SELECT outcome, lease_owner, attempts FROM iso8583_saf WHERE entry->'reversal'->>'11' = '000001'");
  assert.deepEqual(rows, [{ outcome: 'not-needed', lease_owner: 'node-a', attempts: 0 }]);
  assert.deepEqual(reversals, [], 'nothing reversed');
});

test('the reversal entry of a request is kept from other nodes for the lease plus the timeout that request ran with', async (t) => {
  const { url, a, held, approve } = await twoNodes(t, 'original_fence');
  const fences = (): Promise<{ stan: string; fence: number }[]> =>
    sql(url, "SELECT entry->'reversal'->>'11' AS stan, (extract(epoch FROM attempt_until - created_at) * 1000)::float8 AS fence FROM iso8583_saf ORDER BY stan");
  const first = a.request(purchase('000002'));
  const second = a.request(purchase('000003'), { timeout: 20_000 });
  await waitUntil(() => held.length === 2, { what: 'the bank to hold both purchases' });
  const [byDefault, ownTimeout] = await fences();
  // created_at is the transaction's start, attempt_until the statement's now(): the same instant, so no slack needed.
  assert.equal(byDefault?.stan, '000002');
  assert.ok(Math.abs((byDefault?.fence ?? 0) - (LEASE + REQUEST_TIMEOUT)) < 1, `the connector's requestTimeout: ${byDefault?.fence}`);
  assert.equal(ownTimeout?.stan, '000003');
  assert.ok(Math.abs((ownTimeout?.fence ?? 0) - (LEASE + 20_000)) < 1, `the request's own timeout: ${ownTimeout?.fence}`);
  approve();
  approve();
  assert.equal((await first)['39'], '00');
  assert.equal((await second)['39'], '00');
});

test('a connector reversing to a shared store whose lease is shorter than its requestTimeout warns at the start, naming both options and flags', async (t) => {
  const url = cluster.createDatabase('lease_short');
  const warnings = (lease: number): Record<string, unknown>[] => {
    const { logger, lines } = capturedLogger('warn');
    connectorFor(t, { host: '127.0.0.1', port: 1, requestTimeout: REQUEST_TIMEOUT, transactionLog: false, logger, reversal: { enabled: true, journal: new PgJournal({ url, lease }) } });
    return lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LEASE_SHORT');
  };
  const [line, ...more] = warnings(LEASE);
  assert.equal(more.length, 0);
  assert.equal(line?.lease, LEASE);
  assert.equal(line?.requestTimeout, REQUEST_TIMEOUT);
  assert.match(String(line?.msg), /--saf-lease/);
  assert.match(String(line?.msg), /--request-timeout/);
  assert.deepEqual(warnings(REQUEST_TIMEOUT), [], 'none with a lease as long as the request timeout');
});

test('a node stopped while its purchase is at the bank hands its entry back still kept from other nodes until the purchase\'s answer is due', async (t) => {
  const url = cluster.createDatabase('original_handed_back');
  const held: Received[] = [];
  const { connector } = await peerAndConnector(t, (r) => void held.push(r), {
    requestTimeout: REQUEST_TIMEOUT,
    transactionLog: false,
    reversal: { enabled: true, journal: new PgJournal({ url, lease: LEASE, owner: 'node-a' }) },
  });
  const other = new PgJournal({ url, lease: LEASE, owner: 'node-b' });
  t.after(() => other.destroy());
  await other.open();
  await connector.connect();
  const sale = connector.request(purchase('000004')).catch((err: unknown) => err);
  await waitUntil(() => held.length === 1, { what: 'the bank to hold the purchase' });
  await connector.destroy(); // the node stops: its entries handed back (lease ended), the purchase still at the bank
  assert.ok((await sale) instanceof Error, 'the POS is told the purchase failed');
  const [row] = await sql<{ lease_owner: string; pending: boolean; fenced: boolean }>(url, "SELECT lease_owner, done_at IS NULL AS pending, attempt_until > now() AS fenced FROM iso8583_saf WHERE entry->'reversal'->>'11' = '000004'");
  assert.deepEqual(row, { lease_owner: 'node-a', pending: true, fenced: true }, 'handed back, still fenced');
  assert.deepEqual(await other.claim(), [], 'another node does not take it while the purchase may still be processed');
});

test('PgJournal.addOriginal refuses an answerWithin that is not a whole number of milliseconds up to an hour, naming it (never a fence of one lease or of years)', async () => {
  const url = cluster.createDatabase('original_fence_refused');
  const journal = new PgJournal({ url, lease: LEASE, owner: 'node-a' });
  await journal.open();
  try {
    for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 3_600_001, Date.now() + 30_000]) {
      await assert.rejects(journal.addOriginal({ id: `bad-${String(bad)}`, reversal: purchase('000009'), at: Date.now() }, bad), (err: Error & { code?: string; problems?: { field: string }[] }) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        assert.deepEqual(err.problems?.map((p) => p.field), ['answerWithin']);
        return true;
      }, String(bad));
    }
    assert.deepEqual(await sql(url, 'SELECT id FROM iso8583_saf'), [], 'nothing stored');
  } finally {
    await journal.close();
  }
});
