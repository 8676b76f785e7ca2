// A SAF attempt that never left (no connection could be had: no byte of it written) is taken back in the shared store:
// not counted, and its fence lifted (`PgJournal.uncount`). Kept, the fence (the attempt's flight: twice its timeout)
// held the entry from every other node for that long should its node die meanwhile, though nothing was in flight.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import { connectorFor, downPort, peerFor } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

/** Far longer than the test: an entry that waits for it is not sent again during it. */
const LONG = 600_000;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('a SAF attempt that never left is taken back in the shared store (not counted, its fence lifted): another node takes the entry at once once its node is gone, as a first', async (t) => {
  const url = cluster.createDatabase('saf_never_left');
  const port = await downPort(t);
  // The host signs on and takes the advice's wait (initialDelay) until it is down.
  const host = await peerFor(t, (r, p) => void (String(r.message['0']).startsWith('08') && p.send(r.socket, answer(r.message))), { port });
  const connector = connectorFor(t, {
    name: 'bank',
    host: '127.0.0.1',
    port,
    store: url,
    safLease: LONG, // no renewal (and so no retake of the owner lock) during the test
    requestTimeout: 20_000, // a fence of 40 s: far longer than the test's waits
    reconnect: { initialDelay: 10, maxDelay: 20 },
    reversal: { enabled: true },
    saf: { initialDelay: LONG, retryInterval: LONG },
    transactionLog: false,
  });
  await connector.connect();
  await connector.request(advice('000961'), { saf: true });
  const down = new Promise<void>((resolve) => connector.once('disconnect', () => resolve()));
  await host.close();
  await within(down, 10_000, 'the connector to see the host gone');

  const waiting = new Promise<SafEvent>((resolve) => connector.on('saf', (e: SafEvent) => e.stage === 'waiting' && resolve(e)));
  assert.equal(connector.flushSaf(), 1);
  const event = await within(waiting, 20_000, 'the advice\'s attempt to find no connection');
  assert.ok(['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'ISO8583_ERR_CONNECTOR_DEADLINE'].includes(event.code ?? ''), `never left: ${event.code}`);
  const rows = await waitUntil(async () => {
    const found = await sql<{ lease_owner: string; attempts: number; attempt_until: Date | null }>(url, 'SELECT lease_owner, attempts, attempt_until FROM iso8583_saf WHERE done_at IS NULL');
    return found[0]?.attempt_until === null ? found : undefined;
  }, { what: 'the attempt that never left to be taken back in the store (its fence lifted)', timeoutMs: 5_000 });
  assert.deepEqual(rows.map((r) => r.attempts), [0], 'not counted');

  // Its node gone (its lock's session ended): another node takes the entry at once, as a first (0220), not a repeat.
  const owner = rows[0]?.lease_owner as string;
  await sql(url, 'SELECT pg_terminate_backend($1)', [await lockSession(url, owner)]);
  await waitUntil(async () => (await lockSession(url, owner)) === undefined, { what: 'the server to end the lock\'s session' });
  const other = new PgJournal({ url, upstream: 'bank', lease: LONG, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => [e.reversal['11'], e.attempts]), [['000961', undefined]]);
});

test('an attempt recorded while the take-back of the one before is under way waits for it: the take-back does not lift the new attempt\'s fence', async (t) => {
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'saf_never_left_order');
  await live.add(entry('u1'));
  await live.attempt('u1', 1, 60_000);
  const held = relay.holdStatement('SET attempts = $3::int - 1');
  const uncounting = live.uncount('u1', 1);
  await held.held;
  // The entry's next attempt (the same number: the one before never left) is asked for while the take-back waits.
  const before = live.batches.attempt.statements;
  const attempting = live.attempt('u1', 1, 60_000);
  await new Promise((resolve) => setImmediate(resolve)); // the attempts asked for in a turn go at its setImmediate
  assert.equal(live.batches.attempt.statements, before, 'not recorded while the take-back before it is under way');
  held.release();
  await uncounting;
  await attempting;
  assert.deepEqual(await sql(url, "SELECT attempts, attempt_until IS NOT NULL AS fenced FROM iso8583_saf WHERE id = 'u1'"), [{ attempts: 1, fenced: true }], 'the new attempt counted and fenced');
});
