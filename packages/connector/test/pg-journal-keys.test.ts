// The upstream keys of a PostgreSQL journal (`upstream`, `formerUpstreams`, and the keys a group widens its guard to,
// `guardAcross`) are query parameters: any character but NUL is stored and compared as given, so a key of quotes,
// commas, braces and backslashes guards as any other. A NUL (PostgreSQL text cannot hold it) failed the open or every
// guarded add with an unnamed store error (SQLSTATE 22021), and a lone surrogate was stored as U+FFFD (another key's):
// both are refused, coded, naming the option. A real PostgreSQL cluster (test-support).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const original = (id: string): JournalEntry => ({ id, reversal: { '0': '0400', '4': '000000001000', '11': '000001', '41': 'TERM0001' }, at: Date.now() });

const refusedAs = (field: string) => (err: { code?: string; field?: string }): boolean => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === field;

test('PgJournal keys: a key of odd characters guards a group as any other; a NUL or a lone surrogate is refused naming the option', async () => {
  const url = cluster.createDatabase('journal_keys');
  const odd = 'we"ird,{key}\\ é\'; --';
  const a = new PgJournal({ url, upstream: odd, owner: 'node-a', lease: 60_000 });
  const b = new PgJournal({ url, upstream: 'u2', owner: 'node-b', lease: 60_000 });
  try {
    await a.open();
    await a.addOriginal(original('a1'));
    b.guardAcross([odd, 'u2']);
    await b.open();
    await assert.rejects(b.addOriginal(original('b1')), (err: { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY');

    for (const bad of ['bad\u0000key', 'x\ud800']) {
      assert.throws(() => new PgJournal({ url, upstream: bad }), refusedAs('upstream'));
      assert.throws(() => new PgJournal({ url, upstream: 'u3', formerUpstreams: ['ok', bad] }), refusedAs('formerUpstreams/1'));
      assert.throws(() => b.guardAcross(['u2', bad]), refusedAs('guardAcross/1'));
    }
    // The guard refused is left as it was: still across both keys.
    await assert.rejects(b.addOriginal(original('b2')), (err: { code?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY');
  } finally {
    await b.close();
    await a.close();
  }
});
