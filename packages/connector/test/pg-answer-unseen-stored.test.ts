// rv69b #1: a bank approval whose `not-needed` committed in the shared store while its reply was lost, the store then
// away. The reversal that replaces it is owed, but the store may hold its entry done (no claim, no later start sends
// it) until its reopen is stored. That entry must count as not durable (`safNotStored`, within `safNotDurable`) until
// then, its reopen must be tried until it is stored (not only up to its request's deadline), a close must keep handing
// it back until its bound, and one left at close must stay counted and be logged at error as NOT in the database.
// Real PostgreSQL, a real TCP relay in front of it that loses the reply and then refuses connections, a real peer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { capturedLogger, sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import type { LockRelay } from './helpers/pg-lock-relay.js';
import { DONE_STATEMENT, entry, onlyRow } from './helpers/pg-owner-lock.js';

/** Far longer than the test: the reversal's own attempt and the lease renewal never run during it. */
const LONG = 600_000;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * A journal through a relay whose entry `u1` had its `not-needed` committed unseen, the store then away, and whose
 * reopen ran out of its (short) deadline: the state a node is in once its caller was told of the failure.
 */
async function owedAndAway(t: TestContext, database: string, closeTimeout: number): Promise<{ url: string; relay: LockRelay; live: PgJournal; lines: Record<string, unknown>[] }> {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const { logger, lines } = capturedLogger('info');
  const live = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node', closeTimeout, logger });
  t.after(() => live.destroy());
  await live.open();
  await live.add(entry('u1'));
  const done = relay.holdStatement(DONE_STATEMENT);
  const failing = live.done('u1', 'not-needed');
  await done.held;
  done.commitThenCut();
  await assert.rejects(failing, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  relay.away(true);
  assert.equal(await live.reopen('u1', performance.now() + 300), false, 'not reopened while the store is away');
  assert.deepEqual(await onlyRow(url), { pending: false, outcome: 'not-needed' }, 'done in the store, as the lost commit left it');
  return { url, relay, live, lines };
}

test('a reopen past its deadline counts as not stored, and is tried on until the store is back (no other call)', async (t) => {
  const { url, relay, live } = await owedAndAway(t, 'unseen_stored_later', LONG);
  // Before the fix nothing said so (safNotDurable 0) and the tries ended at the deadline: done until a close.
  assert.equal(live.notStored(), 1, 'the owed reversal is not in the store');
  relay.away(false);
  await waitUntil(() => live.notStored() === 0, { what: 'the reopen stored once the store is back', timeoutMs: 15_000 });
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'reopened by the tries that went on');
});

test('a close while the store is away hands the owed entry back until the store is back within its bound', async (t) => {
  const { url, relay, live } = await owedAndAway(t, 'unseen_stored_close', 60_000);
  const refused = relay.away(true);
  const closing = live.close();
  // The hand-back is tried again (each try a connection refused) while the close runs: then the store comes back.
  await waitUntil(() => relay.away(true) >= refused + 3, { what: 'three tries of the hand-back while the store is away', timeoutMs: 15_000 });
  relay.away(false);
  await within(closing, 20_000, 'the close once the store is back');
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'reopened by the hand-back (before the fix: one try, done for ever)');
  assert.equal(live.notStored(), 0);
});

test('a close whose bound passes with the store away: the owed entry stays counted, logged at error as NOT in the database', async (t) => {
  const { url, live, lines } = await owedAndAway(t, 'unseen_stored_cut', 1_000);
  await within(live.close(), 20_000, 'the close, cut at its bound');
  assert.equal(live.notStored(), 1, 'still not in the store after the close');
  const line = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('NOT in the database'));
  assert.ok(line !== undefined, 'the close says the reversal is NOT in the database');
  assert.equal(line.level, 50);
  assert.equal(line.notStored, 1);
  assert.deepEqual(await onlyRow(url), { pending: false, outcome: 'not-needed' });
});

test('the connector counts the owed reversal as not durable (safNotStored, safNotDurable) until its reopen is stored', async (t) => {
  const url = cluster.createDatabase('unseen_stored_stats');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const journal = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node', upstream: 'bank' });
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    requestTimeout: 1_500,
    reversal: { enabled: true, journal },
    saf: { initialDelay: LONG, retryInterval: LONG },
    transactionLog: false,
  });
  await connector.connect();
  const done = relay.holdStatement(DONE_STATEMENT);
  const failing = connector.request(purchase('000601')).then(() => undefined, (e: unknown) => e);
  await done.held;
  done.commitThenCut();
  await done.over;
  relay.away(true);
  const err = await within(failing, 20_000, 'the request to fail at its deadline');
  assert.equal((err as { code?: string } | undefined)?.code, 'ISO8583_ERR_CONNECTOR_STORE');
  const stats = connector.stats();
  // Before the fix: safNotDurable 0 (no red tile, a stop said "the next start sends them").
  assert.equal(stats.safNotStored, 1, 'the reversal is not in the store');
  assert.equal(stats.safNotDurable, 1, 'counted as not durable');
  relay.away(false);
  await waitUntil(() => connector.stats().safNotStored === 0, { what: 'the reopen stored once the store is back', timeoutMs: 15_000 });
  assert.equal(connector.stats().safNotDurable, 0);
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null });
});
