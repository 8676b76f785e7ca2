// A node that looked a late approval up in the shared store (PostgreSQL) and found the code of a reversal of it that
// undid nothing, then stopped (killed) before the repeat (0401) it calls for was durable: the approval was in that
// node's memory only. The look-up leaves it on the row, and any node (here the next one to start) stores the repeat
// from there, under the row's one id: the purchase ends reversed, one repeat sent. Real server, real sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal, createConnector } from '../src/index.js';
import { answer, startPeer } from './peer.js';
import { sql } from './helpers/pg-owner-lock.js';

// The process's shared server (sharedPostgres): each test has its own database, whose tables and advisory locks
// are its own.
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000901', '41': 'TERM0001' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000901', '39': '00', '41': 'TERM0001' };

test('a late approval whose code a node found before it stopped, its repeat not stored, is reversed by the next node to start, once', async (t) => {
  const url = cluster.createDatabase('overtaken_owed');
  const sent: string[] = [];
  const peer = await startPeer((r, p) => {
    sent.push(String(r.message['0']));
    p.send(r.socket, answer(r.message));
  });
  const stopped = new PgJournal({ url, lease: 10_000, owner: 'node-x' });
  const journal = new PgJournal({ url, lease: 10_000, owner: 'node-y' });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    reversal: { enabled: true, journal, retryInterval: 300 },
    transactionLog: false,
  });
  t.after(async () => {
    await connector.destroy();
    await stopped.close();
    await peer.close();
  });
  // Node X: its reversal was answered 25 (the code on its row), then the bank's late approval came, and X found the code.
  await stopped.open();
  await stopped.add({ id: 'r1', reversal, at: Date.now() });
  await stopped.attempt('r1', 1);
  assert.equal(await stopped.undidNothing('r1', '25'), undefined);
  await stopped.done('r1', 'reversed');
  assert.equal((await stopped.lateApproval(approval))?.againId, 'r1.again');
  // ... and stopped there: the repeat never stored. The next node starts.
  await connector.connect();
  const rows = await waitUntil(async () => {
    const all = await sql<{ id: string; outcome: string | null; mti: string }>(url, "SELECT id, outcome, entry->'reversal'->>'0' AS mti FROM iso8583_saf ORDER BY created_at");
    return all.length === 2 && all.every((r) => r.outcome === 'reversed') ? all : undefined;
  }, { what: 'the repeat the late approval calls for to be stored and answered', timeoutMs: 20_000 });
  assert.deepEqual(rows, [{ id: 'r1', outcome: 'reversed', mti: '0400' }, { id: 'r1.again', outcome: 'reversed', mti: '0401' }]);
  assert.deepEqual(sent, ['0401'], 'one repeat sent');
});

/**
 * Moves the times of the rows `ids` (their end, and the date of a late approval on them) by one shift, that which sets
 * `done_at` of the first to `ms` before now, on the database's clock: the rows as they are that much later, each as
 * far from the others as it was.
 */
async function endedAgo(url: string, ids: readonly string[], ms: number): Promise<void> {
  await sql(url, `WITH d AS (SELECT (now() - $2 * interval '1 millisecond') - done_at AS shift FROM iso8583_saf WHERE id = ($1::text[])[1])
    UPDATE iso8583_saf SET done_at = done_at + d.shift, late_approval_at = late_approval_at + d.shift FROM d WHERE id = ANY($1::text[])`, [ids, ms]);
}

test('an approval left on a row ended 9m50s before, its node gone before the repeat, is still owed a minute later and kept past purgeAfter', async (t) => {
  const url = cluster.createDatabase('overtaken_owed_late');
  const sent: string[] = [];
  const peer = await startPeer((r, p) => {
    sent.push(String(r.message['0']));
    p.send(r.socket, answer(r.message));
  });
  const stopped = new PgJournal({ url, lease: 10_000, owner: 'node-x' });
  // Default purgeAfter (10 min); renewals (and purges) every 2 s.
  const journal = new PgJournal({ url, lease: 6_000, owner: 'node-y' });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    reversal: { enabled: true, journal, retryInterval: 300 },
    transactionLog: false,
  });
  t.after(async () => {
    await connector.destroy();
    await stopped.close();
    await peer.close();
  });
  await stopped.open();
  await stopped.add({ id: 'r1', reversal, at: Date.now() });
  await stopped.attempt('r1', 1);
  assert.equal(await stopped.undidNothing('r1', '25'), undefined);
  await stopped.done('r1', 'reversed');
  // The late approval is looked up 9m50s after the 25 (a retried look-up may go up to twice that): the code is found.
  await endedAgo(url, ['r1'], 590_000);
  assert.equal((await stopped.lateApproval(approval))?.againId, 'r1.again');
  // Node X dies before storing the repeat; the next read of the repeats owed comes a minute later, past 10 minutes.
  await endedAgo(url, ['r1'], 650_000);
  await connector.connect();
  const rows = await waitUntil(async () => {
    const all = await sql<{ id: string; outcome: string | null; mti: string }>(url, "SELECT id, outcome, entry->'reversal'->>'0' AS mti FROM iso8583_saf ORDER BY created_at");
    return all.length === 2 && all.every((r) => r.outcome === 'reversed') ? all : undefined;
  }, { what: 'the repeat owed (approval found 9m50s after the 25, read at 10m50s) to be stored and answered', timeoutMs: 20_000 });
  assert.deepEqual(rows, [{ id: 'r1', outcome: 'reversed', mti: '0400' }, { id: 'r1.again', outcome: 'reversed', mti: '0401' }]);
  assert.deepEqual(sent, ['0401'], 'one repeat sent');

  // The 25 ended 21 minutes ago (the others as long after it as they were): a purge runs (a row without a code, as old, goes), the two stay (a second read
  // finds the repeat stored: no second 0401).
  await stopped.add({ id: 'p1', reversal: { ...reversal, '11': '000902' }, at: Date.now() });
  await stopped.done('p1', 'reversed');
  await endedAgo(url, ['r1', 'r1.again', 'p1'], 21 * 60_000);
  await waitUntil(async () => (await sql(url, "SELECT id FROM iso8583_saf WHERE id = 'p1'")).length === 0 || undefined, { what: 'a purge of the plain row', timeoutMs: 20_000 });
  assert.deepEqual((await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf ORDER BY id')).map((r) => r.id), ['r1', 'r1.again'], 'kept past purgeAfter');
  // Past OWED_FOR_MS (22 min) from the approval's date (9m50s after the 25) and from the repeat's end, both go.
  await endedAgo(url, ['r1', 'r1.again'], 33 * 60_000);
  await waitUntil(async () => (await sql(url, 'SELECT id FROM iso8583_saf')).length === 0 || undefined, { what: 'the purge of both rows past 22 minutes', timeoutMs: 20_000 });
  assert.deepEqual(sent, ['0401'], 'still one repeat sent');
});
