// A node whose owner lock's session ends while its reversal's attempt is in flight, and that cannot take its lock
// again (its REGISTER held at a relay): its next attempt, due at once when the first goes unanswered, waits for the
// lock, and another node takes the entry over once the first attempt's flight is over, and sends it (0401). The host
// gets that repeat only after the first node's attempt is over (its flight: written, its answer's wait done), though
// the first node has said nothing of the entry since its `sent` (its next attempt is refused, `released`, only once
// its lock is back): what the churn probe (pg-owner-lock-churn.test.ts) took for two nodes sending at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';
import { FlightJournal, FlightWatch } from './helpers/pg-flights.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import type { HeldStatement } from './helpers/pg-lock-relay.js';
import { lockSession, sql } from './helpers/pg-owner-lock.js';

test('an entry taken over while its node cannot take its lock again reaches the host from the other node only once the first node\'s attempt is over', async (t) => {
  const cluster = await sharedPostgres();
  const url = cluster.createDatabase('takeover_flight');
  const relay = await lockRelay(url);
  const journals = { a: new FlightJournal({ url: relay.url, lease: 900, owner: 'node-a' }), b: new FlightJournal({ url, lease: 900, owner: 'node-b' }) };
  const watch = new FlightWatch(journals);
  const events: Array<{ node: string; stage: string; attempt: number }> = [];
  const received: Array<{ node: string; mti: string }> = [];
  let killed: Promise<unknown> = Promise.resolve();
  let atRepeat: string | undefined; // node A's last event when node B's repeat reached the host
  const held: HeldStatement[] = []; // node A's REGISTER, once the gate is up
  const peers = {
    a: await startPeer((r: Received) => {
      const mti = String(r.message['0']);
      if (mti === '0200') return; // never answered: reversed
      received.push({ node: 'a', mti });
      watch.received('a', String(r.message['11']), mti);
      // Its first reversal attempt is in flight (never answered): the lock's session ends now.
      if (received.length === 1) killed = lockSession(url, 'node-a').then((pid) => sql(url, 'SELECT pg_terminate_backend($1)', [pid]));
    }),
    b: await startPeer((r: Received, p) => {
      const mti = String(r.message['0']);
      received.push({ node: 'b', mti });
      watch.received('b', String(r.message['11']), mti);
      atRepeat = events.filter((e) => e.node === 'a').at(-1)?.stage;
      p.send(r.socket, answer(r.message));
    }),
  };
  const connectors: Connector[] = [];
  t.after(async () => {
    for (const h of held) h.release();
    await killed.catch(() => undefined);
    await Promise.all(connectors.map((c) => c.destroy()));
    await Promise.all([peers.a.close(), peers.b.close()]);
    await relay.close();
    cluster.destroy();
  });
  for (const node of ['a', 'b'] as const) {
    const connector = createConnector({
      host: '127.0.0.1',
      port: peers[node].port,
      requestTimeout: 300,
      reversal: { enabled: true, journal: journals[node], retryInterval: 300 },
      transactionLog: false,
    });
    connector.on('reversal', (e: ReversalEvent) => {
      events.push({ node, stage: e.stage, attempt: e.attempt });
      watch.event(node, e);
    });
    connectors.push(connector);
    await connector.connect(); // one after the other: one of them makes the schema
  }
  // Node A's lock taken again only once the test lets it: its next REGISTER (the take) held at the relay.
  const register = relay.holdStatement('INSERT INTO iso8583_saf_owner');
  held.push(register);
  await assert.rejects((connectors[0] as Connector).request(purchase('000001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await register.held; // node A saw its lock's session end, and is taking it again: held
  const [row] = await waitUntil(async () => {
    const rows = await sql<{ outcome: string | null; lease_owner: string }>(url, 'SELECT outcome, lease_owner FROM iso8583_saf');
    return rows[0]?.outcome === 'reversed' ? rows : undefined;
  }, { what: 'the reversal to be taken over and answered', timeoutMs: 20_000 });
  assert.deepEqual(row, { outcome: 'reversed', lease_owner: 'node-b' });
  assert.deepEqual(received, [{ node: 'a', mti: '0400' }, { node: 'b', mti: '0401' }], 'sent by node A, then taken over and repeated by node B');
  assert.equal(atRepeat, 'sent', 'node A has said nothing of the entry since its `sent`: waiting for its lock');
  assert.deepEqual(watch.overlaps, [], 'node B\'s repeat reached the host once node A\'s attempt was over (its flight)');
  assert.deepEqual(watch.lateWrites, []);
  register.release();
  await waitUntil(() => events.some((e) => e.node === 'a' && e.stage === 'released'), { what: 'node A to let the entry go once its lock is back' });
  assert.deepEqual(received.filter((r) => r.node === 'a'), [{ node: 'a', mti: '0400' }], 'node A sent nothing more');
});
