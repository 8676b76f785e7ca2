// SAF entries under an upstream key no running node claims (an upstream dropped from the configuration, or renamed
// without `formerUpstreams`) are never sent: no claim looks at them. A node counts them once a minute and warns with
// the count and the keys (no card data) once a key is found at two counts in a row; `strandedEntries` shows them.
// One statement covers the whole store: the journals of one store in a process (a gateway's upstreams) share one
// count, made once a minute whichever renews first, warned once, and reported by one of them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';
import { entry, sql } from './helpers/pg-owner-lock.js';
import { lockRelay } from './helpers/pg-lock-relay.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Runs the node's count now, as its renewal does once a minute. */
const count = (node: PgJournal): Promise<void> => {
  const inside = node as unknown as { stranded: { check(pool: pg.Pool): Promise<void> }; pool: pg.Pool };
  return inside.stranded.check(inside.pool);
};

/** Text only the statement that counts the entries no node takes (`STRANDED`) holds. */
const STRANDED_TEXT = 'GROUP BY s.upstream ORDER BY s.upstream';

/** Renews `node`'s leases now, as its timer does every `claimInterval`. */
const renew = (node: PgJournal): Promise<void> => (node as unknown as { renew(): Promise<void> }).renew();

/** Makes the node's next renewal count, as if the minute since its store's last count had passed. */
const minutePassed = (node: PgJournal): void => {
  (node as unknown as { stranded: { last: number } }).stranded.last = -Infinity;
};

/** A pending entry `id` of upstream `upstream` held by `owner`, its lease ended `ago` ago (an SQL interval). */
async function pending(url: string, id: string, upstream: string, owner: string, ago: string): Promise<void> {
  await sql(url, 'INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES ($1, $2, $3, $4, now() - $5::interval)', [id, upstream, JSON.stringify(entry(id)), owner, ago]);
}

test('entries no node takes are counted and named by upstream (found twice in a row), with no card data; those a node serves are not', async (t) => {
  const { logger, lines } = capturedLogger('warn');
  const url = cluster.createDatabase('saf_stranded');
  const node = new PgJournal({ url, lease: 600_000, owner: 'live-node', upstream: 'bank', logger });
  t.after(() => node.close());
  await node.open();
  await node.add(entry('h1')); // held by a live node: not stranded
  await pending(url, 'd1', 'dropped', 'old-node', '1 hour');
  await pending(url, 'd2', 'dropped', 'old-node', '1 hour');
  await pending(url, 'x1', 'renamed', 'old-node', '1 hour');
  await pending(url, 'y1', 'recent', 'old-node', '1 second'); // its lease just ended: a node of it may take it yet

  await count(node);
  assert.deepEqual(node.strandedEntries, { entries: 0, upstreams: [] }, 'not at the first sighting');
  assert.equal(lines.length, 0);
  await sql(url, "DELETE FROM iso8583_saf WHERE id = 'x1'"); // a node of 'renamed' took it meanwhile
  await count(node);
  assert.deepEqual(node.strandedEntries, { entries: 2, upstreams: ['dropped'] });
  const warned = lines.filter((l) => l['stranded'] !== undefined);
  assert.equal(warned.length, 1);
  assert.deepEqual([warned[0]?.['stranded'], warned[0]?.['upstreams'], warned[0]?.['code']], [2, ['dropped'], 'ISO8583_ERR_CONNECTOR_STORE']);
  assert.ok(!JSON.stringify(lines).includes('4111111111111111'), 'no card number in the log');
});

test('the entries of an owner gone under an upstream no node serves count though their lease runs', async (t) => {
  const url = cluster.createDatabase('saf_stranded_gone');
  const node = new PgJournal({ url, lease: 600_000, owner: 'live-node', upstream: 'bank' });
  t.after(() => node.close());
  await node.open();
  await sql(url, "INSERT INTO iso8583_saf_owner (owner, upstream) VALUES ('gone-node', 'retired')");
  await pending(url, 'g1', 'retired', 'gone-node', '-1 hour'); // a lease an hour yet: its node is gone
  await count(node);
  await count(node);
  assert.deepEqual(node.strandedEntries, { entries: 1, upstreams: ['retired'] });
});

test('the journals of one store in a process count its stranded entries in one statement a minute, warn once, and one of them reports the figure', async (t) => {
  const { logger, lines } = capturedLogger('warn');
  const url = cluster.createDatabase('saf_stranded_shared');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const nodes = ['visa', 'mastercard', 'amex', 'domestic'].map((upstream) => new PgJournal({ url: relay.url, lease: 600_000, owner: `node/${upstream}`, upstream, logger }));
  t.after(() => Promise.all(nodes.map((n) => n.close())));
  for (const node of nodes) await node.open();
  await pending(url, 'd1', 'dropped', 'old-node', '1 hour');
  const statements = relay.countStatements(STRANDED_TEXT);

  for (const node of nodes) minutePassed(node);
  await Promise.all(nodes.map(renew));
  assert.equal(statements(), 1, 'one count for the four upstreams of the store');
  for (const node of nodes) minutePassed(node);
  await Promise.all(nodes.map(renew));
  assert.equal(statements(), 2, 'one count a minute for the store');
  for (const node of nodes) assert.deepEqual(node.strandedEntries, { entries: 1, upstreams: ['dropped'] }, 'each journal shows the store\'s figure');
  assert.equal(lines.filter((l) => l['stranded'] !== undefined).length, 1, 'warned once, not once per upstream');

  assert.deepEqual(nodes.map((n) => n.reportsStranded), [true, false, false, false], 'one journal of the store reports it');
  await nodes[0]?.close();
  assert.deepEqual(nodes.map((n) => n.reportsStranded), [false, true, false, false], 'the next one reports it once the first closed');
  const elsewhere = new PgJournal({ url: cluster.createDatabase('saf_stranded_other'), lease: 600_000, owner: 'node/other', upstream: 'visa' });
  t.after(() => elsewhere.close());
  await elsewhere.open();
  assert.equal(elsewhere.reportsStranded, true, 'a journal of another store reports that store\'s');
});
