// The store look-up of an upstream group (upstream-group-originals.ts `StoredOriginals`, pg/originals-sql.ts): which row
// says where an original went, and when the group asks the store at all. Real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { Connector, PgJournal } from '../src/index.js';
import { StoredOriginals } from '../src/upstream-group-originals.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const original = (id: string): { id: string; reversal: Record<string, string>; at: number } => ({ id, reversal: { '0': '0400', '4': '000000001000', '11': '000001', '41': 'TERM0001' }, at: Date.now() });
const asked = { keys: ['u1', 'u2'], terminals: ['TERM0001'], stans: ['000001'], acquirer: undefined, card: undefined };

test('the look-up finds a reopened original (its txn dropped) before an older transaction\'s row under the same STAN', async () => {
  const url = cluster.createDatabase('originals_reopened');
  const u1 = new PgJournal({ url, upstream: 'u1', lease: 60_000 });
  const u2 = new PgJournal({ url, upstream: 'u2', lease: 60_000 });
  await u1.open();
  await u2.open();
  try {
    // An older transaction under the STAN, answered at u1; then the STAN reused for a new one, answered at u2 and
    // reversed after all (its reversal's attempt reopens its row, which drops its txn).
    await u1.addOriginal(original('old'));
    await u1.done('old', 'not-needed');
    await u2.addOriginal(original('new'));
    await u2.done('new', 'not-needed');
    await u2.attempt('new', 1);
    assert.equal(await u1.originalUpstream(asked), 'u2', 'the newest original went to u2');
  } finally {
    await u1.close();
    await u2.close();
  }
});

test('a group asks the store only when every member journals in the same database', () => {
  const link = (journal: PgJournal): { connector: Connector } => ({ connector: new Connector({ host: '127.0.0.1', port: 1, transactionLog: false, reversal: { enabled: true, journal } }) });
  const at = (db: string): string => `postgresql://iso@127.0.0.1:1/${db}`;
  const apart = [link(new PgJournal({ url: at('a'), upstream: 'u1' })), link(new PgJournal({ url: at('b'), upstream: 'u2' }))];
  assert.equal(StoredOriginals.of(apart), undefined, 'journals in two databases: each knows only its own originals');
  const shared = [link(new PgJournal({ url: at('a'), upstream: 'u1' })), link(new PgJournal({ url: at('a'), upstream: 'u2' }))];
  assert.notEqual(StoredOriginals.of(shared), undefined);
});
