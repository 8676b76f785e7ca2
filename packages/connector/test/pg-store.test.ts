// A connector on a PostgreSQL store: reversals journaled in the database, a database outage (requests refused at once
// with a coded error, outcomes kept, recovery by itself), and the take-over of a dead node's entries while running.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal, createConnector, openStore } from '../src/index.js';
import type { ReversalEvent } from '../src/index.js';
import { watchReversals } from './helpers/reversals.js';
import { capturedLogger } from './helpers/setup.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    return (await pool.query<T>(sql)).rows;
  } finally {
    await pool.end();
  }
}

/**
 * The attempts the connector made of the reversal of `stan` (their MTIs, in order: what the host should have received
 * of it), checked against its promise (issue 13: an entry answered once is never sent again): numbered one after the
 * other from `first` (2 for an entry that resumes after a recorded attempt), each but the last repeated only because it
 * got no answer within its attempt timeout (logged, `ISO8583_ERR_CONNECTOR_TIMEOUT`), and the last one answered, after
 * which nothing was sent. Such a repeat is legitimate and happens on a loaded machine: the attempt timeout of most
 * tests here is min(requestTimeout, retryInterval) = 100 ms, and an event loop stalled longer runs the timer before it
 * reads an answer that arrived in time (seen at a load average of 14: 0400 answered by the host in 9 ms, read 300 ms
 * later, 0401 sent). One attempt may also start twice under its number (a `sent` event each time): when its first
 * start never left, for want of a channel within what its flight left of its timeout (the record took most of it:
 * logged with a code of a connection never had, `ISO8583_ERR_CONNECTOR_DEADLINE`; saf-entry.ts `unwritten`). Such an
 * attempt counts once here, and the caller checks the host got exactly the MTIs returned: were it written, the host
 * would have one more. A repeat for any other reason (a take-over of one's own entry, a second claim) has no such
 * line before it and fails here.
 */
function attemptsOf(events: readonly ReversalEvent[], logged: readonly Record<string, unknown>[], stan: string, first: number): string[] {
  const mine = events.filter((e) => e.stan === stan);
  const sent = mine.filter((e) => e.stage === 'sent');
  // The attempts made: a start followed by another under the same number never left (checked below, and by the host).
  const attempts = sent.filter((e, i) => sent[i + 1]?.attempt !== e.attempt);
  assert.deepEqual(attempts.map((e) => e.attempt), attempts.map((_, i) => first + i), `the attempts of ${stan} follow each other, none made twice`);
  const failed = logged
    .filter((l) => l['stan'] === stan && l['msg'] === 'SAF entry not answered: will repeat')
    .map((l) => `${String(l['attempt'])} ${NEVER_LEFT.has(String(l['code'])) ? 'never left' : String(l['code'])}`);
  const why = sent.slice(0, -1).map((e, i) => `${e.attempt} ${sent[i + 1]?.attempt === e.attempt ? 'never left' : 'ISO8583_ERR_CONNECTOR_TIMEOUT'}`);
  assert.deepEqual(failed, why, `every repeat of ${stan} follows an attempt not answered within its timeout, every start again under its number one that never left`);
  const answered = mine.filter((e) => e.stage === 'answered');
  assert.equal(answered.length, 1, `${stan} answered once`);
  assert.equal(mine.at(-1), answered[0], `nothing sent for ${stan} after its answer`);
  assert.equal(answered[0]?.attempt, sent.at(-1)?.attempt, `the last attempt of ${stan} is the one answered`);
  return attempts.map((e) => e.mti);
}

/**
 * The codes of an attempt that found no channel by its deadline, never written (saf-entry.ts `NO_CONNECTION`): not
 * counted, started again under its number.
 */
const NEVER_LEFT: ReadonlySet<string> = new Set([
  'ISO8583_ERR_CONNECTOR_DEADLINE',
  'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
  'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
  'ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED',
]);

/** The reversals (0400, 0401) `peer` received, as `MTI/STAN`, once it has received `count` of them. */
async function reversalsAt(peer: Peer, count: number): Promise<string[]> {
  const reversals = (): string[] => peer.received.filter((r) => /^040[01]$/.test(String(r.message['0']))).map((r) => `${r.message['0']}/${r.message['11']}`);
  await waitUntil(() => reversals().length >= count, { what: `the peer to receive the ${count} reversal attempts sent` });
  return reversals();
}

test('openStore: a postgresql:// URL makes the PostgreSQL store (password masked), anything else the file store', () => {
  const pgStore = openStore({ store: 'postgresql://gw:secret@db.example:5432/iso', upstream: 'bank', safLease: 9000 });
  assert.equal(pgStore.kind, 'postgresql');
  assert.equal(pgStore.where, 'postgresql://gw:***@db.example:5432/iso');
  assert.ok(pgStore.journal instanceof PgJournal);
  assert.equal((pgStore.journal as PgJournal).lease, 9000);
  assert.equal((pgStore.journal as PgJournal).claimInterval, 3000);
  assert.equal(pgStore.terminalLock, undefined, 'no terminal lock unless asked for');
  assert.equal((pgStore.journal as PgJournal).ownerLocking, true, 'the owner lock is on by default');
  const noLock = openStore({ store: 'postgresql://gw:secret@db.example:5432/iso', ownerLock: false });
  assert.equal((noLock.journal as PgJournal).ownerLocking, false);
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 1, store: 'postgresql://db.example/iso', safOwnerLock: 'no' as never }), (err: Error & { problems?: { field: string }[] }) => {
    assert.deepEqual(err.problems?.map((p) => p.field), ['safOwnerLock']);
    return true;
  });
  const file = openStore({ store: '/var/lib/iso8583/bank' });
  assert.equal(file.kind, 'file');
  assert.throws(() => openStore({ store: '' }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 1, store: {} as never }), (err: Error & { problems?: { field: string }[] }) => {
    assert.deepEqual(err.problems?.map((p) => p.field), ['store']);
    return true;
  });
});

test('attemptsOf accepts an attempt started again under its number only after a start that never left, and no double send', () => {
  const event = (stage: ReversalEvent['stage'], attempt: number): ReversalEvent => ({ stage, kind: 'reversal', id: 'e', mti: '0401', stan: '200001', terminal: 'TERM0001', attempt });
  const line = (attempt: number, code: string): Record<string, unknown> => ({ stan: '200001', attempt, code, msg: 'SAF entry not answered: will repeat' });
  const started = [event('sent', 2), event('sent', 2), event('answered', 2)];
  // Its first start found no channel by its deadline (the attempt's record took most of its flight): never written.
  assert.deepEqual(attemptsOf(started, [line(2, 'ISO8583_ERR_CONNECTOR_DEADLINE')], '200001', 2), ['0401']);
  assert.deepEqual(attemptsOf([event('sent', 2), event('sent', 3), event('answered', 3)], [line(2, 'ISO8583_ERR_CONNECTOR_TIMEOUT')], '200001', 2), ['0401', '0401']);
  // Attempt 2 twice with no failure before (a second claim, its own entry taken back) or after one that may have left.
  assert.throws(() => attemptsOf(started, [], '200001', 2), /every repeat of 200001/);
  assert.throws(() => attemptsOf(started, [line(2, 'ISO8583_ERR_CONNECTOR_TIMEOUT')], '200001', 2), /every repeat of 200001/);
  assert.throws(() => attemptsOf([event('sent', 2), event('sent', 3), event('answered', 3)], [line(2, 'ISO8583_ERR_CONNECTOR_DEADLINE')], '200001', 2), /every repeat of 200001/);
  assert.throws(() => attemptsOf([event('sent', 2), event('answered', 2), event('sent', 3)], [], '200001', 2), /200001/);
});

test('a database outage: new requests fail at once with ISO8583_ERR_CONNECTOR_STORE and never leave; an answer that cannot be recorded is reversed once the database is back; the node recovers by itself', async (t) => {
  const url = cluster.createDatabase('store_outage');
  // The in-flight purchase's answer found the database away (its record failed): the database may come back.
  let unrecorded!: () => void;
  const answerUnrecorded = new Promise<void>((resolve) => (unrecorded = resolve));
  const { logger, lines } = capturedLogger('warn', (line) => {
    if (line['msg'] === 'the response could not be recorded in the journal: reversing it') unrecorded();
  });
  let holdPurchases = false;
  const held: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['0'] === '0200' && holdPurchases) held.push(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 10_000,
    store: url,
    // This node's lease must outlast the outage (a database stopped and started again takes seconds on a loaded
    // machine): once it ends, the node takes its own entry back as any other node would, as a repeat (0401 first).
    safLease: 30_000,
    reversal: { enabled: true, retryInterval: 100 },
    logger,
  });
  const watch = watchReversals(connector);
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  assert.equal((await connector.request(purchase('100001')))['39'], '00');

  // A purchase in flight when the database goes down: its answer cannot be recorded, so it is reversed (later).
  holdPurchases = true;
  const inFlight = connector.request(purchase('100002'));
  await peer.waitFor(2);
  cluster.stopServer();
  let restarted = false;
  t.after(() => {
    if (!restarted) cluster.startServer();
  });

  // While it is down: refused at once, nothing reaches the host unjournaled.
  holdPurchases = false;
  const before = peer.received.length;
  // Its timeout is ten minutes: refused within one (a hang guard, not a timing), it did not wait for it.
  const refused = assert.rejects(connector.request(purchase('100003'), { timeout: 600_000 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
    assert.doesNotMatch(err.message, /4111111111111111/);
    return true;
  });
  await within(refused, 60_000, 'a request to be refused at once while the database is down, not after its 600 s timeout');
  assert.equal(peer.received.length, before, 'no request left without its journal record');

  // The purchase in flight is answered while the database is down: its outcome cannot be recorded, so it fails (once
  // its entry is pending again in the store, which the database's return allows: not after the request timeout, 10 s
  // of waiting) and is reversed. The database comes back only once its record has failed (the error logged).
  held.shift()?.();
  await within(answerUnrecorded, 60_000, 'the record of the answer of 100002 to fail while the database is down');
  cluster.startServer();
  restarted = true;
  await assert.rejects(inFlight, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  const response = await waitUntil(() => connector.request(purchase('100004')), { what: 'a request to succeed once the database is back', intervalMs: 50 });
  assert.equal(response['39'], '00');
  // The purchase whose outcome could not be recorded is reversed and marked so: a 0400, answered, never sent after its
  // answer; repeated (0401) only after an attempt the answer did not reach within its timeout (see attemptsOf).
  const answered = await within(watch.reached, 20_000, 'the reversal of 100002 to be answered');
  assert.equal(answered.stan, '100002');
  const mtis = attemptsOf(watch.events, lines, '100002', 1);
  assert.equal(mtis[0], '0400');
  assert.deepEqual(await reversalsAt(peer, mtis.length), mtis.map((mti) => `${mti}/100002`));
  const rows = await query<{ stan: string; outcome: string; attempts: number }>(url, "SELECT entry->'reversal'->>'11' AS stan, outcome, attempts FROM iso8583_saf ORDER BY created_at");
  assert.deepEqual(rows, [
    { stan: '100001', outcome: 'not-needed', attempts: 0 },
    { stan: '100002', outcome: 'reversed', attempts: mtis.length },
    { stan: '100004', outcome: 'not-needed', attempts: 0 },
  ]);
});

test('a connector on a PostgreSQL store holds its owner lock by default, and none with safOwnerLock: false', async (t) => {
  const url = cluster.createDatabase('store_owner_lock');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const options = { host: '127.0.0.1', port: peer.port, store: url, reversal: { enabled: true } };
  const locked = createConnector({ ...options, name: 'bank' });
  const unlocked = createConnector({ ...options, name: 'bank2', safOwnerLock: false });
  t.after(async () => {
    await locked.destroy();
    await unlocked.destroy();
    await peer.close();
  });
  const owners = async (): Promise<number> => (await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM iso8583_saf_owner'))[0]?.n ?? -1;
  await locked.connect();
  assert.equal(await owners(), 1, 'the connector registered its owner, with its lock');
  await unlocked.connect();
  assert.equal(await owners(), 1, 'the connector with safOwnerLock: false registered none');
});

test('a running connector takes over the reversals of a node that died, once its lease ended, and sends each as a repeat', async (t) => {
  const url = cluster.createDatabase('store_takeover');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  // The dead node: it journaled two reversals, sent the first attempt of one, and stopped renewing (its lease is short).
  const dead = new PgJournal({ url, upstream: 'bank', lease: 60_000, owner: 'dead-node' });
  await dead.open();
  const reversal = (stan: string): Record<string, string> => ({ '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '41': 'TERM0001', '90': `0200${stan}112110300000000123456`.padEnd(42, '0') });
  await dead.add({ id: 'dead-1', reversal: reversal('200001'), at: Date.now() });
  await dead.add({ id: 'dead-2', reversal: reversal('200002'), at: Date.now() });
  await dead.attempt('dead-1', 1);
  const { logger, lines } = capturedLogger('warn');
  const connector = createConnector({
    name: 'bank',
    host: '127.0.0.1',
    port: peer.port,
    store: url,
    safLease: 300,
    reversal: { enabled: true, retryInterval: 100 },
    logger,
  });
  const events: ReversalEvent[] = [];
  const both = new Promise<void>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      events.push(e);
      if (e.stage === 'answered' && events.filter((a) => a.stage === 'answered').length === 2) resolve();
    }),
  );
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  assert.equal(peer.received.length, 0, 'nothing taken while the dead node\'s lease runs');
  await query(url, "UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
  await within(both, 60_000, 'both reversals taken over to be answered');
  // Taken over from another node, every entry goes as a repeat (0401): the one with a recorded attempt resumes at
  // attempt 2, the other at attempt 1 (the dead node may have sent it without recording it); each repeats again only
  // after a timeout. On a loaded machine an attempt whose record took most of its flight finds no channel in what is
  // left (ISO8583_ERR_CONNECTOR_DEADLINE, never written) and starts again under its number (seen: 200001 sent as 2, 2,
  // 3; the host got 2 and 3): attemptsOf counts it once, and the host's reversals below prove it left once.
  const resumed = attemptsOf(events, lines, '200001', 2);
  const fresh = attemptsOf(events, lines, '200002', 1);
  assert.deepEqual([resumed[0], fresh[0]], ['0401', '0401'], 'an entry taken over goes as a repeat from its first attempt here');
  const sent = [...resumed.map((mti) => `${mti}/200001`), ...fresh.map((mti) => `${mti}/200002`)].sort();
  assert.deepEqual((await reversalsAt(peer, sent.length)).sort(), sent);
  const rows = await query<{ id: string; outcome: string }>(url, 'SELECT id, outcome FROM iso8583_saf ORDER BY id');
  assert.deepEqual(rows, [
    { id: 'dead-1', outcome: 'reversed' },
    { id: 'dead-2', outcome: 'reversed' },
  ]);
  await dead.close();
});

test('a reversal taken over by another node (its lease ended while this one was stalled) is no longer sent here', async (t) => {
  const url = cluster.createDatabase('store_lease_lost');
  // The host never answers: the purchase times out and its reversal repeats until the entry leaves this node.
  const peer = await startPeer(() => undefined);
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 200,
    store: url,
    safLease: 60_000,
    reversal: { enabled: true, retryInterval: 100 },
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  await assert.rejects(connector.request(purchase('500001')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await peer.waitFor(3); // the purchase, the 0400 and a first 0401
  assert.equal(connector.stats().reversalsPending, 1);
  // Another node claims it (as it would once this node's lease had ended).
  await query(url, "UPDATE iso8583_saf SET lease_owner = 'other-node', lease_until = now() + interval '1 minute'");
  await waitUntil(() => connector.stats().reversalsPending === 0, { what: 'the reversal to leave this node' });
  const rows = await query<{ lease_owner: string; done: boolean }>(url, 'SELECT lease_owner, done_at IS NOT NULL AS done FROM iso8583_saf');
  assert.deepEqual(rows, [{ lease_owner: 'other-node', done: false }], 'still pending, for the node that holds it');
});

test('a reversal attempt answered after its timeout is repeated (0401), and the late answer ends it: the one repeat the promise allows', async (t) => {
  const url = cluster.createDatabase('store_late_answer');
  // The host keeps the purchase unanswered (it is reversed) and answers the 0400 only once the 0401 has come, so that
  // the 0400's answer arrives after its attempt timeout: the shape of the outage test's run on a loaded machine.
  const late: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    const mti = r.message['0'];
    if (mti === '0400') late.push(() => p.send(r.socket, answer(r.message)));
    if (mti === '0401') {
      late.shift()?.();
      p.send(r.socket, answer(r.message));
    }
  });
  const { logger, lines } = capturedLogger('warn');
  // The 0400's attempt timeout must fire (the host holds its answer until the 0401 comes); the 0401's must not, or a
  // second 0401 follows: both are min(requestTimeout, retryInterval), so that is long enough for a loaded machine to
  // read an answer sent at once (100 ms was not: an event loop stalled longer repeated the 0401), and the purchase
  // alone times out short, by its own timeout.
  const attemptTimeout = 3_000;
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: attemptTimeout,
    store: url,
    reversal: { enabled: true, retryInterval: attemptTimeout },
    logger,
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const watch = watchReversals(connector);
  await connector.connect();
  await assert.rejects(connector.request(purchase('600001'), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(watch.reached, 20_000, 'the reversal of 600001 to be answered');
  const mtis = attemptsOf(watch.events, lines, '600001', 1);
  assert.deepEqual(mtis, ['0400', '0401']);
  assert.deepEqual(await reversalsAt(peer, 2), ['0400/600001', '0401/600001']);
  const rows = await query<{ outcome: string; attempts: number }>(url, 'SELECT outcome, attempts FROM iso8583_saf');
  assert.deepEqual(rows, [{ outcome: 'reversed', attempts: 2 }]);
});
