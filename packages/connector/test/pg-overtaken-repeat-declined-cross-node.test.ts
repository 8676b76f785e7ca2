// End to end on two nodes sharing one PostgreSQL: node A's purchase (0200) times out and its reversal is answered 25
// (original not found); the terminal's repeat (0201) goes to node B and is at the bank when the bank's late approval of
// the 0200 reaches node A (left on B's pending row); the repeat is then declined. The late approval must still be
// reversed: the 25's row carries it, a repeat (0401) owed to any node (docs/connector.md: "A repeat declined or timed
// out retires nothing: the late approval is still reversed.").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import { PgJournal, createConnector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { sql } from './helpers/pg-owner-lock.js';

/** A journal that records what each late approval's look-up found. */
class ObservedJournal extends PgJournal {
  readonly lookedUp: unknown[] = [];
  override async lateApproval(approval: IsoMessage, within?: number): ReturnType<PgJournal['lateApproval']> {
    const found = await super.lateApproval(approval, within);
    this.lookedUp.push(found);
    return found;
  }
}

test('a repeat (0201) at the bank on node B when the 0200\'s late approval reaches node A, then declined: the late approval is still reversed', async (t) => {
  const cluster = await sharedPostgres();
  const url = cluster.createDatabase('repeat_declined_cross_node');
  const journals = { a: new ObservedJournal({ url, owner: 'node-a' }), b: new ObservedJournal({ url, owner: 'node-b' }) };
  let original: Received | undefined;
  let repeatAt: (r: Received) => void = () => undefined;
  const repeatArrived = new Promise<Received>((resolve) => (repeatAt = resolve));
  const sent: string[] = [];
  const peers: Record<'a' | 'b', Peer> = {
    a: await startPeer((r: Received, p) => {
      const mti = String(r.message['0']);
      sent.push(`a:${mti}`);
      if (mti === '0200') original = r;
      else p.send(r.socket, answer(r.message, sent.filter((s) => s.startsWith('a:04')).length === 1 ? { '39': '25' } : {}));
    }),
    b: await startPeer((r: Received) => {
      sent.push(`b:${String(r.message['0'])}`);
      repeatAt(r);
    }),
  };
  const connectors: Connector[] = [];
  t.after(async () => {
    await Promise.all(connectors.map((c) => c.destroy()));
    await Promise.all([peers.a.close(), peers.b.close()]);
    cluster.destroy();
  });
  for (const node of ['a', 'b'] as const) {
    const connector = createConnector({
      host: '127.0.0.1', port: peers[node].port, requestTimeout: 500,
      reversal: { enabled: true, journal: journals[node], retryInterval: 300 }, transactionLog: false,
    });
    connectors.push(connector);
    await connector.connect();
  }
  const [a, b] = connectors as [Connector, Connector];
  await assert.rejects(a.request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await waitUntil(async () => {
    const [row] = await sql<{ outcome: string | null; code: string | null }>(url, 'SELECT outcome, undid_nothing AS code FROM iso8583_saf');
    return row?.outcome === 'reversed' && row.code === '25' ? true : undefined;
  }, { what: 'node A\'s reversal answered 25', timeoutMs: 20_000 });
  const repeat = b.request({ ...purchase('000001'), '0': '0201' }, { timeout: 10_000 });
  const r = await repeatArrived;
  peers.a.send((original as Received).socket, answer((original as Received).message));
  await waitUntil(() => (journals.a.lookedUp.length > 0 ? true : undefined), { what: 'node A to look the late approval up', timeoutMs: 20_000 });
  assert.deepEqual(journals.a.lookedUp, [undefined], 'left on node B\'s pending row');
  peers.b.send(r.socket, answer(r.message, { '39': '05' }));
  assert.equal((await repeat)['39'], '05');
  await waitUntil(async () => {
    const rows = await sql<{ outcome: string | null }>(url, "SELECT outcome FROM iso8583_saf WHERE entry->>'kind' IS NULL");
    return rows.length === 2 && rows.every((x) => x.outcome !== null) ? true : undefined;
  }, { what: 'the repeat\'s entry to end', timeoutMs: 20_000 });
  const owed = await journals.b.repeatsOwed();
  assert.equal(owed.length, 1, 'the 0200\'s late approval is owed a reversal (0401), whichever node reads it');
  assert.equal(owed[0]?.responseCode, '25');
  assert.equal(owed[0]?.reversal['11'], '000001');
});
