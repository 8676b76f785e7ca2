// A reversal that overtook its original at the bank, across two nodes on one PostgreSQL (reversal-follow.ts). Node A's
// purchase times out; its reversal's first attempt goes unanswered and A's owner lock's session ends (its lock not
// taken again: its REGISTER held at a relay), so node B takes the entry over and repeats it (0401), answered 25
// (original not found). The bank then approves the purchase late, on node A's connection (or before the 25: the
// approval first). The purchase must end reversed: one repeat (0401) sent by one node, not none, not two.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, createConnector } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import { lockSession, sql } from './helpers/pg-owner-lock.js';

// The process's shared server (sharedPostgres): each test has its own database, whose tables and advisory locks
// are its own.
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

type Node = 'a' | 'b';

/** Two nodes, each with its bank peer, on one database; node A's first reversal attempt cut off as described above. */
async function takeover(t: TestContext, database: string, holdTwentyFive: boolean) {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  const journals = { a: new PgJournal({ url: relay.url, lease: 900, owner: 'node-a' }), b: new PgJournal({ url, lease: 900, owner: 'node-b' }) };
  const received: Array<{ node: Node; mti: string }> = [];
  const events: Array<{ node: Node; stage: string }> = [];
  let original: Received | undefined; // node A's purchase, never answered in time
  let twentyFive: (() => void) | undefined; // B's newest attempt answered 25: now, or once the test lets it
  let answered25 = false;
  const attempts: Array<{ node: Node; mti: string }> = []; // node B's attempts before its 25 (repeated while held)
  let killed: Promise<unknown> = Promise.resolve();
  const peers: Record<Node, Peer> = {
    a: await startPeer((r: Received, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200') {
        original = r;
        return;
      }
      received.push({ node: 'a', mti });
      if (mti === '0400') killed = lockSession(url, 'node-a').then((pid) => sql(url, 'SELECT pg_terminate_backend($1)', [pid]));
      else p.send(r.socket, answer(r.message));
    }),
    b: await startPeer((r: Received, p) => {
      if (answered25) {
        received.push({ node: 'b', mti: String(r.message['0']) });
        return p.send(r.socket, answer(r.message)); // the late approval's reversal (a repeat)
      }
      // Node B's attempts of the reversal taken over: the newest is answered 25, at once or once the test lets it.
      attempts.push({ node: 'b', mti: String(r.message['0']) });
      twentyFive = () => {
        answered25 = true;
        received.push(...attempts.slice(-1));
        p.send(r.socket, answer(r.message, { '39': '25' }));
      };
      if (!holdTwentyFive) twentyFive();
    }),
  };
  const connectors: Connector[] = [];
  const held: Array<{ release(): void }> = [];
  t.after(async () => {
    for (const h of held) h.release();
    await killed.catch(() => undefined);
    await Promise.all(connectors.map((c) => c.destroy()));
    await Promise.all([peers.a.close(), peers.b.close()]);
    await relay.close();
  });
  for (const node of ['a', 'b'] as const) {
    const connector = createConnector({
      host: '127.0.0.1',
      port: peers[node].port,
      requestTimeout: 300,
      reversal: { enabled: true, journal: journals[node], retryInterval: 300 },
      transactionLog: false,
    });
    connector.on('reversal', (e: ReversalEvent) => events.push({ node, stage: e.stage }));
    connectors.push(connector);
    await connector.connect(); // one after the other: one of them makes the schema
  }
  // Node A's lock taken again only once the test lets it: its next REGISTER (the take) held at the relay.
  const register = relay.holdStatement('INSERT INTO iso8583_saf_owner');
  held.push(register);
  await assert.rejects((connectors[0] as Connector).request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await register.held; // node A saw its lock's session end, and is taking it again: held
  await waitUntil(() => attempts.length > 0 || undefined, { what: 'node B to take the reversal over and send it', timeoutMs: 20_000 });
  /** The bank's late approval of node A's purchase, on node A's connection. */
  const approve = (): void => {
    const r = original as Received;
    peers.a.send(r.socket, answer(r.message));
  };
  /** Node A's lock back, and the entry it let go released. */
  const lockBack = async (): Promise<void> => {
    register.release();
    await waitUntil(() => events.some((e) => e.node === 'a' && e.stage === 'released'), { what: 'node A to let the entry go once its lock is back' });
  };
  const rows = (): Promise<Array<{ outcome: string | null; mti: string }>> =>
    sql(url, "SELECT outcome, entry->'reversal'->>'0' AS mti FROM iso8583_saf ORDER BY created_at");
  return { url, received, approve, lockBack, rows, answer25: () => (twentyFive as () => void)() };
}

test('a late approval reaching node A after node B\'s takeover of its reversal was answered 25 is reversed by node A, once', async (t) => {
  const run = await takeover(t, 'overtaken_cross_after', false);
  await waitUntil(async () => ((await run.rows())[0]?.outcome === 'reversed' ? true : undefined), { what: 'node B\'s reversal to end (answered 25)', timeoutMs: 20_000 });
  await run.lockBack();
  run.approve();
  const rows = await waitUntil(async () => {
    const all = await run.rows();
    return all.length === 2 && all[1]?.outcome === 'reversed' ? all : undefined;
  }, { what: 'the late approval\'s reversal (a repeat) to be stored and answered', timeoutMs: 20_000 });
  assert.deepEqual(rows, [{ outcome: 'reversed', mti: '0400' }, { outcome: 'reversed', mti: '0401' }]);
  assert.deepEqual(run.received, [{ node: 'a', mti: '0400' }, { node: 'b', mti: '0401' }, { node: 'a', mti: '0401' }], 'one repeat, sent by node A');
  // The code stays (a node that stopped before its store left it): the repeat's id is one, whoever stores it.
  const ids = await sql<{ id: string }>(run.url, 'SELECT id FROM iso8583_saf ORDER BY created_at');
  assert.equal(ids[1]?.id, `${String(ids[0]?.id)}.again`, 'the repeat stored under the one id every node would give it');
});

test('a late approval reaching node A before node B\'s takeover of its reversal is answered 25 is reversed by node B, once', async (t) => {
  const run = await takeover(t, 'overtaken_cross_before', true);
  await run.lockBack();
  run.approve();
  await waitUntil(async () => {
    const [row] = await sql<{ kept: string | null }>(run.url, "SELECT late_approval->>'39' AS kept FROM iso8583_saf");
    return row?.kept === '00' ? true : undefined;
  }, { what: 'node A to leave the late approval with the pending reversal', timeoutMs: 20_000 });
  run.answer25();
  const rows = await waitUntil(async () => {
    const all = await run.rows();
    return all.length === 2 && all.every((r) => r.outcome === 'reversed') ? all : undefined;
  }, { what: 'the late approval\'s reversal (a repeat) to be stored and answered', timeoutMs: 20_000 });
  assert.deepEqual(rows, [{ outcome: 'reversed', mti: '0400' }, { outcome: 'reversed', mti: '0401' }]);
  assert.deepEqual(run.received, [{ node: 'a', mti: '0400' }, { node: 'b', mti: '0401' }, { node: 'b', mti: '0401' }], 'one repeat, sent by node B');
});

test('PgJournal: a reversal that undid nothing is reversed once by two nodes asking at once (one repeat stored)', async (t) => {
  const url = cluster.createDatabase('overtaken_cross_take');
  const a = new PgJournal({ url, owner: 'node-a' });
  const b = new PgJournal({ url, owner: 'node-b' });
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.open();
  await b.open();
  const reversal = { '0': '0400', '4': '000000001000', '11': '000042', '41': 'TERM0001' };
  await a.add({ id: 'r1', reversal, at: Date.now() });
  assert.equal(await a.undidNothing('r1', '25'), undefined);
  await a.done('r1', 'reversed');
  const approval = { '0': '0210', '11': '000042', '39': '00', '41': 'TERM0001' };
  const taken = await Promise.all([a.lateApproval(approval), b.lateApproval(approval)]);
  assert.deepEqual(taken, [0, 1].map(() => ({ reversal, responseCode: '25', againId: 'r1.again' })), 'both find it, with one id for its repeat');
  const stored = await Promise.all(taken.map((x, i) => [a, b][i]!.add({ id: x!.againId, reversal: { ...reversal, '0': '0401' }, at: Date.now() })));
  assert.deepEqual(stored.sort(), [undefined, 'exists'].sort(), 'the store holds one repeat: one node sends it');
});
