// A bank approval whose `not-needed` committed in the shared store while its reply was lost (a server restart, a
// failover, a network cut right after the commit): the connector reverses the original and its caller gets a failure
// (the gateway's 68). That failure must not go before the reversal is back in the store: left `not-needed` (no claim
// takes a row done), a node that died or stopped before its reversal's first attempt was journaled left the approval
// kept and never reversed. Real PostgreSQL, a real TCP relay in front of it that loses the reply, a real socket peer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import type { LockRelay } from './helpers/pg-lock-relay.js';
import { DONE_STATEMENT, entry, onlyRow, sql } from './helpers/pg-owner-lock.js';

/** Far longer than the test: the reversal's own attempt never runs during it (only `answered` can reopen the entry). */
const LONG = 600_000;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A connector whose SAF journal goes through a relay to a new database; the peer approves every request. */
async function node(t: TestContext, database: string): Promise<{ url: string; relay: LockRelay; request: () => Promise<unknown> }> {
  const url = cluster.createDatabase(database);
  const relay = await lockRelay(url);
  const journal = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node', upstream: 'bank' });
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    requestTimeout: 20_000,
    reversal: { enabled: true, journal },
    saf: { initialDelay: LONG, retryInterval: LONG },
    transactionLog: false,
  });
  t.after(() => relay.close());
  await connector.connect();
  return { url, relay, request: () => connector.request(purchase('000501')) };
}

test('a not-needed committed unseen: the request fails (reversing it) only once its entry is pending again in the store', async (t) => {
  const { url, relay, request } = await node(t, 'answer_unseen');
  const done = relay.holdStatement(DONE_STATEMENT);
  const failing = request();
  failing.catch(() => undefined);
  await done.held;
  done.commitThenCut(); // committed on the server, its reply lost with its connection
  const err = await within(failing.then(() => undefined, (e: unknown) => e), 20_000, 'the request to fail');
  assert.equal((err as { code?: string } | undefined)?.code, 'ISO8583_ERR_CONNECTOR_STORE');
  // Before the fix the failure came while the row was `not-needed` (done: no claim, no later start sends it).
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'the reversal is in the store before the caller is told');
});

test('the store away after the lost reply: no answer while the entry cannot be reopened, the failure once the store is back and it is', async (t) => {
  const { url, relay, request } = await node(t, 'answer_unseen_away');
  const done = relay.holdStatement(DONE_STATEMENT);
  let settled = false;
  const failing = request().then(() => undefined, (e: unknown) => e).finally(() => (settled = true));
  await done.held;
  done.commitThenCut();
  await done.over;
  relay.away(true);
  // The reopen is tried (and refused) several times: the caller is not answered meanwhile.
  await waitUntil(() => relay.away(true) >= 3, { what: 'three tries to reach the store while it is away', timeoutMs: 15_000 });
  assert.equal(settled, false, 'no answer while the reversal is not in the store');
  assert.deepEqual(await onlyRow(url), { pending: false, outcome: 'not-needed' }, 'still done as the lost commit left it');
  relay.away(false);
  const err = await within(failing, 20_000, 'the request to fail once the store is back');
  assert.equal((err as { code?: string } | undefined)?.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'reopened before the caller is told');
});

test('a node that closes after its reopen ran out of time hands the entry back with its lease: reopened, and another node takes the reversal', async (t) => {
  const url = cluster.createDatabase('answer_unseen_close');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const live = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node' });
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
  relay.away(false);
  await live.close();
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'reopened by the hand-back at close');
  const other = new PgJournal({ url, lease: LONG, owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.id), ['u1'], 'another node takes the reversal over');
});

test('a lease renewal that ran while the not-needed was in flight (it found the row done and dropped it) does not hide the entry from its reopen', async (t) => {
  const url = cluster.createDatabase('answer_unseen_renewed');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const live = new PgJournal({ url: relay.url, lease: LONG, owner: 'live-node' });
  t.after(() => live.destroy());
  await live.open();
  await live.add(entry('u2'));
  const done = relay.holdStatement(DONE_STATEMENT);
  const failing = live.done('u2', 'not-needed');
  await done.held;
  // The row as the server has it once the done committed, its reply not read yet: a renewal then finds it done.
  await sql(url, "UPDATE iso8583_saf SET done_at = now(), outcome = 'not-needed' WHERE id = 'u2'");
  await (live as unknown as { renew(): Promise<void> }).renew();
  done.cut();
  await assert.rejects(failing, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  assert.equal(await live.reopen('u2', performance.now() + 10_000), true);
  assert.deepEqual(await onlyRow(url), { pending: true, outcome: null }, 'reopened');
});
