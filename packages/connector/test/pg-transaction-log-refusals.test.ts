// PgTransactionLog against a real PostgreSQL server when the database refuses it for its set-up, not for an outage: a
// role with only the privileges docs/operations.md lists (no CREATE on the schema) opens a database already migrated;
// a privilege missing (the sequence of `seq`) is an error naming it, the records waiting until it is granted; the
// open's refusals (database, login, privilege) say what is wrong; a table partitioned by month with no partition for a
// record's time keeps the records until it is made; a batch refused for some records' data drops only those.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { waitUntil, within } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { capturedLogger } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

/** The owner migrates the database named `name`; resolves with its URL and an admin connection to it. */
async function migrated(name: string): Promise<{ url: string; admin: pg.Client }> {
  const url = pgs.database(name);
  const owner = new PgTransactionLog({ connectionString: url });
  await owner.open();
  await owner.close();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  return { url, admin };
}

/** The URL of `url`'s database for the role `role` (the test cluster trusts local logins). */
const as = (url: string, role: string): string => url.replace(/\/\/[^@]+@/, `//${role}@`);

describe('PgTransactionLog refused for its set-up', () => {
  test('a role with the privileges the docs list, without CREATE on the schema, opens a migrated database; without USAGE on the sequence each batch is refused with an error naming it, once, the records waiting; granted, they are stored', async () => {
    const { url, admin } = await migrated('privileges');
    const { logger, lines } = capturedLogger('info');
    const log = new PgTransactionLog({ connectionString: as(url, 'app_privs'), logger, retryDelay: 20, maxRetryDelay: 50 });
    try {
      await admin.query(`CREATE ROLE app_privs LOGIN;
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        GRANT SELECT, INSERT, DELETE ON iso8583_transactions, iso8583_transaction_batches TO app_privs;
        GRANT SELECT, INSERT ON iso8583_schema TO app_privs;`);
      // Before: CREATE TABLE IF NOT EXISTS iso8583_schema at every open needed CREATE on the schema (42501).
      await log.open();
      const stored = log.record(sampleRecord(1));
      await waitUntil(() => log.stats().failedBatches >= 3, { what: 'batches refused for want of USAGE on the sequence' });
      const refused = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_REFUSED');
      assert.equal(refused.length, 1, 'logged once (again only after a minute), not per batch');
      assert.equal(refused[0]?.['level'], 50);
      assert.equal(refused[0]?.['cause'], '42501');
      assert.match(String(refused[0]?.['reason']), /^42501: the role lacks a privilege: permission denied for sequence iso8583_transactions_seq_seq; /);
      assert.ok(!lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE'), 'not an outage');
      assert.deepEqual({ buffered: log.stats().buffered + log.stats().inFlight, stored: log.stats().stored, dropped: log.stats().dropped }, { buffered: 1, stored: 0, dropped: 0 });
      await admin.query('GRANT USAGE ON SEQUENCE iso8583_transactions_seq_seq TO app_privs');
      await within(stored, 20_000, 'the record once the privilege is granted');
      assert.equal((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions')).rows[0]?.n, 1);
      assert.ok(lines.some((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_REFUSED' && l['level'] === 30 && l['stored'] === 1), 'the end is logged');
      assert.doesNotMatch(JSON.stringify(lines), /4111111111111111|411111/);
    } finally {
      await log.close();
      await admin.end();
    }
  });

  test('open says in words why the database refused it: no such database (3D000), login refused (28000), a privilege missing (42501, naming the table)', async () => {
    const { url, admin } = await migrated('open_words');
    try {
      await admin.query('CREATE ROLE app_nosel LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      const cases: [string, RegExp][] = [
        [url.replace(/\/open_words$/, '/no_such_db'), /\(3D000: the database does not exist /],
        [as(url, 'no_such_role'), /\(28000: the server refused the login /],
        [as(url, 'app_nosel'), /\(42501: the role lacks a privilege: permission denied for table iso8583_schema; /],
      ];
      for (const [connectionString, words] of cases) {
        const log = new PgTransactionLog({ connectionString });
        await assert.rejects(log.open(), (err: { code?: string; message: string }) => {
          assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
          assert.match(err.message, words);
          return true;
        });
        await log.close();
      }
    } finally {
      await admin.end();
    }
  });

  test('a table partitioned by month with no partition for a record\'s time: the batch waits (an error naming the time), none dropped; the partition made, every record is stored', async () => {
    const { url, admin } = await migrated('partitioned');
    const { logger, lines } = capturedLogger('info');
    const log = new PgTransactionLog({ connectionString: url, logger, retryDelay: 20, maxRetryDelay: 50 });
    try {
      await admin.query(`ALTER SEQUENCE iso8583_transactions_seq_seq OWNED BY NONE;
        ALTER TABLE iso8583_transactions RENAME TO old_tx;
        CREATE TABLE iso8583_transactions (LIKE old_tx INCLUDING DEFAULTS) PARTITION BY RANGE (at);
        ALTER TABLE iso8583_transactions ADD PRIMARY KEY (at, seq);
        CREATE TABLE tx_2026_11 PARTITION OF iso8583_transactions FOR VALUES FROM ('2026-11-01T00:00:00Z') TO ('2026-12-01T00:00:00Z');
        DROP TABLE old_tx;`);
      await log.open();
      const boundary = Date.UTC(2026, 11, 1);
      // One batch: ten records in November's last second, one in December's first millisecond.
      const records = Array.from({ length: 11 }, (_, i) => log.record(sampleRecord(i, { at: i < 10 ? boundary - 1000 + i * 10 : boundary })));
      await waitUntil(() => log.stats().failedBatches >= 2, { what: 'the batch refused for the missing partition' });
      const missing = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_NO_PARTITION');
      assert.equal(missing.length, 1);
      assert.equal(missing[0]?.['level'], 50);
      assert.equal(missing[0]?.['at'], '2026-12-01 00:00:00+00');
      assert.equal(log.stats().dropped, 0, 'before: the whole batch was dropped as a data error');
      await admin.query("CREATE TABLE tx_2026_12 PARTITION OF iso8583_transactions FOR VALUES FROM ('2026-12-01T00:00:00Z') TO ('2027-01-01T00:00:00Z')");
      await within(Promise.all(records), 20_000, 'the records once the partition is made');
      assert.equal((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions')).rows[0]?.n, 11);
      assert.deepEqual({ stored: log.stats().stored, dropped: log.stats().dropped }, { stored: 11, dropped: 0 });
    } finally {
      await log.close();
      await admin.end();
    }
  });

  test('a batch refused for the data of two of its records is sent again in halves: only those two are dropped (counted, warned), the others stored', async () => {
    const { logger, lines } = capturedLogger('info');
    await pgs.withLog('split_batch', { logger }, async ({ log, admin }) => {
      // A rule the log does not know of, standing for any refusal of the data itself (SQLSTATE 23514).
      await admin.query("ALTER TABLE iso8583_transactions ADD CONSTRAINT no_stan_999 CHECK (stan NOT LIKE '999%')");
      const outcomes = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => log.record(sampleRecord(i, i === 3 || i === 9 ? { stan: `99900${i}` } : {}))));
      assert.ok(outcomes.some((o) => o.status === 'rejected'), 'the promise the refused records share rejects');
      const stans = (await log.query({ limit: 100 })).map((r) => r.stan).sort();
      assert.deepEqual(stans, [0, 1, 2, 4, 5, 6, 7, 8, 10].map((i) => String(i).padStart(6, '0')));
      assert.deepEqual({ stored: log.stats().stored, dropped: log.stats().dropped }, { stored: 9, dropped: 2 });
      const drops = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED');
      assert.equal(drops.reduce((n, l) => n + Number(l['dropped']), 0), 2);
      assert.ok(drops.every((l) => l['cause'] === '23514'), JSON.stringify(drops));
    });
  });

  test('a batch of 100 records all refused for their data: one DROPPED line counting 100, one failed batch', async () => {
    // Before: each of the ~200 halves refused added a failed batch (199), and each record dropped its own line (100).
    const { logger, lines } = capturedLogger('info');
    await pgs.withLog('split_all_refused', { logger }, async ({ log, admin }) => {
      await admin.query("ALTER TABLE iso8583_transactions ADD CONSTRAINT no_stan_999 CHECK (stan NOT LIKE '999%')");
      // Recorded in one turn: one batch (maxBatch 1000), every record of it refused.
      const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => log.record(sampleRecord(i, { stan: `999${String(i).padStart(3, '0')}` }))));
      assert.ok(outcomes.every((o) => o.status === 'rejected'), 'no record is stored');
      // The promise the records share rejects with the first dropped: the others are dropped as the halving goes on.
      await waitUntil(() => log.stats().dropped + log.stats().stored === 100, { what: 'every record of the batch stored or dropped' });
      assert.deepEqual({ stored: log.stats().stored, dropped: log.stats().dropped, failedBatches: log.stats().failedBatches }, { stored: 0, dropped: 100, failedBatches: 1 });
      const drops = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_DROPPED');
      assert.deepEqual(drops.map((l) => [l['dropped'], l['cause']]), [[100, '23514']]);
    });
  });
});
