// A node that looked a late approval up in the shared store (PostgreSQL) and found the code of a reversal of it that
// undid nothing, then stopped (killed) before the repeat (0401) it calls for was durable: the approval was in that
// node's memory only. The look-up leaves it on the row, and any node (here the next one to start) stores the repeat
// from there, under the row's one id: the purchase ends reversed, one repeat sent. Real server, real sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal, createConnector } from '../src/index.js';
import { answer, startPeer } from './peer.js';
import { sql } from './helpers/pg-owner-lock.js';

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000901', '41': 'TERM0001' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000901', '39': '00', '41': 'TERM0001' };

test('a late approval whose code a node found before it stopped, its repeat not stored, is reversed by the next node to start, once', async (t) => {
  const cluster = await startPostgres();
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
    cluster.destroy();
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
