// A store whose server turns read-only while the node runs (a primary demoted, `default_transaction_read_only` set
// since for the database, the role or the session: the open's check long passed). A request then fails with a coded
// error that says the database is read-only, and is never sent; a request in flight whose answer cannot be recorded
// is reversed once the store takes writes again, and nothing is lost or doubled. The failure was the driver's
// SQLSTATE alone ("cannot add entries (25006)"), nothing saying that the server had turned read-only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, createConnector } from '../src/index.js';
import { watchReversals } from './helpers/reversals.js';
import { capturedLogger } from './helpers/setup.js';
import { answer, purchase, startPeer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * Turns the database of `pool` read-only (`on`) or back (`off`), as a demotion or `default_transaction_read_only` set
 * for it would: for its new sessions (the database's default, set from a session of its own), and for the pool's one
 * connection, if open (its session's default). The pool drops a connection whose statement failed, and makes a new
 * one, read-only too until the database's default is reset.
 */
async function readOnlyNow(url: string, pool: pg.Pool, on: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SET default_transaction_read_only = off'); // this session itself may start read-only
    const database = new URL(url).pathname.slice(1);
    await admin.query(on ? `ALTER DATABASE ${database} SET default_transaction_read_only = on` : `ALTER DATABASE ${database} RESET default_transaction_read_only`);
  } finally {
    await admin.end();
  }
  await pool.query(`SET SESSION CHARACTERISTICS AS TRANSACTION ${on ? 'READ ONLY' : 'READ WRITE'}`);
}

/** The store's refusal of a write on a read-only server: coded, naming `store`, saying so; no card number in it. */
function readOnly(err: Error & { code?: string; field?: string }): boolean {
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.equal(err.field, 'store');
  assert.match(err.message, /the database is read-only/);
  assert.match(err.message, /primary/);
  assert.doesNotMatch(err.message, /4111111111111111/);
  return true;
}

test('a store turned read-only while running: requests fail coded "read-only" and never leave; an answer not recorded is reversed once writable; one outcome each', async (t) => {
  const url = cluster.createDatabase('read_only_later');
  // One connection, never dropped for idling (the pool drops one whose statement failed): made read-only below.
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  const journal = new PgJournal({ pool, lease: 3000, owner: 'node-a' });
  // The in-flight purchase's answer found the database read-only (its record failed): it may take writes again.
  let unrecorded!: () => void;
  const answerUnrecorded = new Promise<void>((resolve) => (unrecorded = resolve));
  const { logger } = capturedLogger('warn', (line) => {
    if (line['msg'] === 'the response could not be recorded in the journal: reversing it') unrecorded();
  });
  let holdPurchases = false;
  const held: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200' && holdPurchases) held.push(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 10_000, store: journal, reversal: { enabled: true, retryInterval: 100 }, logger });
  const watch = watchReversals(connector);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    await pool.end();
  });
  await connector.connect();
  assert.equal((await connector.request(purchase('100001')))['39'], '00');

  // A purchase in flight when the server turns read-only: its answer cannot be recorded, so it is reversed (later).
  holdPurchases = true;
  const inFlight = connector.request(purchase('100002'));
  // Its refusal is checked below, but it may come while the test still makes the database writable again (the reopen
  // resolves as soon as it is): the handler is attached now, so that the rejection is never unhandled in between.
  const inFlightRefused = assert.rejects(inFlight, readOnly);
  await peer.waitFor(2);
  await readOnlyNow(url, pool, true);

  // While read-only: refused, coded, and nothing reaches the host unjournaled.
  holdPurchases = false;
  const before = peer.received.length;
  await assert.rejects(connector.request(purchase('100003')), readOnly);
  assert.equal(peer.received.length, before, 'no request left without its journal record');

  // The purchase in flight is answered while read-only: its outcome cannot be recorded, so it fails (once its entry is
  // pending again in the store, which writes allowed again permit: not after the request timeout, 10 s of waiting). The
  // database takes writes again only once its record has failed (the error logged).
  held.shift()?.();
  await within(answerUnrecorded, 60_000, 'the record of the answer of 100002 to fail while the database is read-only');
  // Writable again: the purchase whose outcome could not be recorded is reversed, once; the refused one left no trace.
  await readOnlyNow(url, pool, false);
  await inFlightRefused;
  const answered = await within(watch.reached, 20_000, 'the reversal of 100002 to be answered');
  assert.equal(answered.stan, '100002');
  const check = new pg.Pool({ connectionString: url });
  t.after(() => check.end());
  const rows = (await check.query<{ stan: string; outcome: string }>("SELECT entry->'reversal'->>'11' AS stan, outcome FROM iso8583_saf ORDER BY created_at")).rows;
  assert.deepEqual(rows, [
    { stan: '100001', outcome: 'not-needed' },
    { stan: '100002', outcome: 'reversed' },
  ]);
  assert.equal(watch.events.filter((e) => e.stage === 'answered').length, 1, 'one reversal answered');
});

test('PgJournal on a server turned read-only: add refused coded (nothing stored); a final outcome is held and committed once writable', async (t) => {
  const url = cluster.createDatabase('read_only_later_journal');
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  const node = new PgJournal({ pool, lease: 600_000, owner: 'node-a' });
  t.after(async () => {
    await node.close();
    await pool.end();
  });
  await node.open();
  const entry = (id: string, stan: string) => ({ id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan }, at: Date.now() });
  await node.add(entry('r1', '000001'));
  await readOnlyNow(url, pool, true);
  await assert.rejects(node.add(entry('r2', '000002')), readOnly);
  // A final outcome is not lost: held, and tried again (at each renewal) until it commits.
  const done = node.done('r1', 'reversed');
  let settled = false;
  void done.then(() => (settled = true), () => (settled = true));
  await (node as unknown as { renewOnce(): Promise<void> }).renewOnce();
  assert.equal(settled, false, 'still held while the store is read-only');
  await readOnlyNow(url, pool, false);
  await (node as unknown as { renewOnce(): Promise<void> }).renewOnce();
  await done;
  const rows = (await pool.query<{ id: string; outcome: string }>('SELECT id, outcome FROM iso8583_saf ORDER BY id')).rows;
  assert.deepEqual(rows, [{ id: 'r1', outcome: 'reversed' }], 'the refused add stored nothing; the held outcome committed');
});
