// A statement of the cross-node follow-up of a reversal answered 25 (reversal-follow.ts) that fails, on a real
// PostgreSQL behind a relay that can cut one statement's connection: before the server sees it, or once the server
// committed it and before its reply reaches the node (its outcome unknown there). What a late approval calls for is
// known only to the row, so the statement (the same when run again) is tried again until it answers: the purchase ends
// reversed, one repeat (0401) stored under the row's id and sent once, never none; a stop meanwhile leaves the entry
// open in the journal (its next attempt writes the code), never ended as if written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal, createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import { sql } from './helpers/pg-owner-lock.js';

// The process's shared server (sharedPostgres): each test has its own database, whose tables and advisory locks
// are its own.
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * One node (its journal behind a relay) and its bank: the purchase is never answered in time; its reversal (0400) is
 * answered `25` at once, or once the test says (`hold25`); repeats (0401) are answered 00. `other`: a second node's
 * journal on the same database, straight to it.
 */
async function node(t: TestContext, database: string, hold25: boolean) {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  const journal = new PgJournal({ url: relay.url, lease: 10_000, owner: 'node-a', closeTimeout: 1000 });
  const other = new PgJournal({ url, lease: 10_000, owner: 'node-b' });
  const sent: string[] = []; // the MTIs of the reversals the bank received
  let original: Received | undefined;
  let reversal: Received | undefined;
  const peer = await startPeer((r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200') {
      original = r;
      return;
    }
    sent.push(mti);
    if (mti === '0400') {
      reversal = r;
      if (!hold25) p.send(r.socket, answer(r.message, { '39': '25' }));
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    reversal: { enabled: true, journal, retryInterval: 300 },
    transactionLog: false,
  });
  t.after(async () => {
    await connector.destroy();
    await other.close();
    await peer.close();
    await relay.close();
  });
  await connector.connect();
  await other.open();
  await assert.rejects(connector.request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await waitUntil(() => reversal, { what: 'the reversal (0400) to reach the bank', timeoutMs: 20_000 });
  const rows = (): Promise<Array<{ id: string; outcome: string | null; mti: string }>> =>
    sql(url, "SELECT id, outcome, entry->'reversal'->>'0' AS mti FROM iso8583_saf ORDER BY created_at");
  return {
    url,
    relay,
    connector,
    other,
    sent,
    rows,
    /** The bank's late approval of the purchase, on the node's connection. */
    approve: (): void => peer.send((original as Received).socket, answer((original as Received).message)),
    /** The bank's 25 to the reversal held. */
    answer25: (): void => peer.send((reversal as Received).socket, answer((reversal as Received).message, { '39': '25' })),
  };
}

/** Waits for the purchase's reversal and the repeat a late approval called for to end reversed; returns the rows. */
async function bothReversed(rows: () => Promise<Array<{ id: string; outcome: string | null; mti: string }>>) {
  return waitUntil(async () => {
    const all = await rows();
    return all.length === 2 && all.every((r) => r.outcome === 'reversed') ? all : undefined;
  }, { what: 'the late approval\'s reversal (a repeat) to be stored and answered', timeoutMs: 20_000 });
}

test('a 25 whose write took another node\'s late approval and committed, its reply lost, still reverses that approval, once', async (t) => {
  const run = await node(t, 'overtaken_retry_write', true);
  // Another node got the late approval first: it left it on the pending reversal's row.
  const kept: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000001', '39': '00', '41': 'TERM0001' };
  assert.equal(await run.other.lateApproval(kept), undefined);
  // The 25's write commits (it takes that approval) and its connection is cut before the reply: outcome unknown here.
  const write = run.relay.holdStatement('SET undid_nothing');
  run.answer25();
  await write.held;
  write.commitThenCut();
  await write.over;
  const rows = await bothReversed(run.rows);
  assert.deepEqual(rows.map((r) => [r.mti, r.outcome]), [['0400', 'reversed'], ['0401', 'reversed']]);
  assert.equal(rows[1]?.id, `${String(rows[0]?.id)}.again`, 'the repeat stored under the row\'s id');
  assert.deepEqual(run.sent, ['0400', '0401'], 'one repeat sent');
});

test('a late approval whose look-up failed is looked up again and reversed, once', async (t) => {
  const run = await node(t, 'overtaken_retry_lookup', false);
  await waitUntil(async () => {
    const [row] = await sql<{ outcome: string | null; code: string | null }>(run.url, 'SELECT outcome, undid_nothing AS code FROM iso8583_saf');
    return row?.outcome === 'reversed' && row.code === '25' ? true : undefined;
  }, { what: 'the reversal to end answered 25, its code on its row', timeoutMs: 20_000 });
  // The late approval's look-up is cut before the server sees it.
  const lookUp = run.relay.holdStatement('SET late_approval');
  run.approve();
  await lookUp.held;
  lookUp.cut();
  const rows = await bothReversed(run.rows);
  assert.deepEqual(rows.map((r) => [r.mti, r.outcome]), [['0400', 'reversed'], ['0401', 'reversed']]);
  assert.equal(rows[1]?.id, `${String(rows[0]?.id)}.again`);
  assert.deepEqual(run.sent, ['0400', '0401'], 'one repeat sent');
});

test('a stop while the 25\'s write is being tried again leaves the entry open in the journal (its next attempt writes it), not ended', async (t) => {
  const run = await node(t, 'overtaken_retry_stop', true);
  const first = run.relay.holdStatement('SET undid_nothing');
  run.answer25();
  await first.held;
  const again = run.relay.holdStatement('SET undid_nothing');
  first.cut(); // never run: the write failed
  await again.held; // its next try, held at the relay: the stop comes meanwhile (the store cut at its close)
  await run.connector.close();
  const rows = await sql<{ open: boolean; code: string | null }>(run.url, 'SELECT done_at IS NULL AS open, undid_nothing AS code FROM iso8583_saf');
  assert.deepEqual(rows, [{ open: true, code: null }], 'the entry is left open for its next attempt (here or on another node)');
});
