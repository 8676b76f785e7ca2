// A reversal that overtook its original at the bank (answered 25, original not found) on node A, then the terminal's
// repeat (0201, same STAN and terminal) approved in time on node B: the bank booked the purchase once and the terminal
// holds that approval. The original's late approval, reaching node A afterwards, is that same booking: it must not be
// reversed (no 0401 stored). A repeat declined leaves the late approval to be reversed, as before. Two connectors on
// one real PostgreSQL, each with its own bank peer; the journals are PgJournal, observed (not replaced) to know when
// node A's look-up of the late approval answered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, createConnector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { sql } from './helpers/pg-owner-lock.js';

// The process's shared server (sharedPostgres): each test has its own database, whose tables and advisory locks
// are its own.
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A PgJournal that records what each of its late approval look-ups resolved with. */
class ObservedJournal extends PgJournal {
  readonly lookedUp: unknown[] = [];
  override async lateApproval(approval: IsoMessage, within?: number): ReturnType<PgJournal['lateApproval']> {
    const found = await super.lateApproval(approval, within);
    this.lookedUp.push(found);
    return found;
  }
}

/** Node A's purchase overtaken (25), node B's repeat answered `repeatCode`, then node A's late approval: the rows. */
async function repeatThenLateApproval(t: TestContext, database: string, repeatCode: string) {
  const url = cluster.createDatabase(database);
  const journals = { a: new ObservedJournal({ url, owner: 'node-a' }), b: new ObservedJournal({ url, owner: 'node-b' }) };
  let original: Received | undefined; // node A's purchase, answered only late
  const sent: string[] = [];
  const peers: Record<'a' | 'b', Peer> = {
    a: await startPeer((r: Received, p) => {
      const mti = String(r.message['0']);
      sent.push(`a:${mti}`);
      if (mti === '0200') original = r;
      else p.send(r.socket, answer(r.message, mti === '0400' ? { '39': '25' } : {}));
    }),
    b: await startPeer((r: Received, p) => {
      sent.push(`b:${String(r.message['0'])}`);
      p.send(r.socket, answer(r.message, { '39': repeatCode }));
    }),
  };
  const connectors: Connector[] = [];
  t.after(async () => {
    await Promise.all(connectors.map((c) => c.destroy()));
    await Promise.all([peers.a.close(), peers.b.close()]);
  });
  for (const node of ['a', 'b'] as const) {
    const connector = createConnector({
      host: '127.0.0.1',
      port: peers[node].port,
      requestTimeout: 500,
      reversal: { enabled: true, journal: journals[node], retryInterval: 300 },
      transactionLog: false,
    });
    connectors.push(connector);
    await connector.connect(); // one after the other: one of them makes the schema
  }
  const [a, b] = connectors as [Connector, Connector];
  await assert.rejects(a.request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await waitUntil(async () => {
    const [row] = await sql<{ outcome: string | null; code: string | null }>(url, 'SELECT outcome, undid_nothing AS code FROM iso8583_saf');
    return row?.outcome === 'reversed' && row.code === '25' ? true : undefined;
  }, { what: 'node A\'s reversal to end answered 25, its code on the row', timeoutMs: 20_000 });
  const repeat = await b.request({ ...purchase('000001'), '0': '0201' });
  assert.equal(repeat['39'], repeatCode);
  // The bank's late answer to node A's purchase: the approval of the one booking.
  peers.a.send((original as Received).socket, answer((original as Received).message));
  await waitUntil(() => (journals.a.lookedUp.length > 0 ? true : undefined), { what: 'node A to look the late approval up', timeoutMs: 20_000 });
  const rows = (): Promise<Array<{ mti: string; outcome: string | null }>> =>
    sql(url, "SELECT entry->'reversal'->>'0' AS mti, outcome FROM iso8583_saf ORDER BY created_at");
  return { lookedUp: journals.a.lookedUp, sent, rows };
}

test('a repeat (0201) approved on node B after node A\'s reversal was answered 25: node A\'s late approval is not reversed', async (t) => {
  const run = await repeatThenLateApproval(t, 'overtaken_repeat_approved', '00');
  assert.deepEqual(run.lookedUp, [undefined], 'the late approval finds no reversal that undid nothing');
  assert.deepEqual(await run.rows(), [{ mti: '0400', outcome: 'reversed' }, { mti: '0400', outcome: 'not-needed' }], 'no repeat (0401) stored');
  assert.deepEqual(run.sent, ['a:0200', 'a:0400', 'b:0201']);
});

test('a repeat (0201) declined on node B after node A\'s reversal was answered 25: node A\'s late approval is reversed', async (t) => {
  const run = await repeatThenLateApproval(t, 'overtaken_repeat_declined', '05');
  assert.equal(run.lookedUp.length, 1);
  assert.equal((run.lookedUp[0] as { responseCode?: string } | undefined)?.responseCode, '25', 'the late approval finds the reversal that undid nothing');
  const rows = await waitUntil(async () => {
    const all = await run.rows();
    return all.length === 3 && all[2]?.outcome === 'reversed' ? all : undefined;
  }, { what: 'the late approval\'s reversal (a repeat) to be stored and answered', timeoutMs: 20_000 });
  assert.deepEqual(rows.map((r) => r.mti), ['0400', '0400', '0401']);
});
