// PgTransactionLog against a real PostgreSQL server (one cluster for this file, one database per test): the shared
// TransactionLog contract, then what only the database store does: batching, COPY text, commits, card data at rest,
// two nodes on one database (a database outage, a full buffer and closing: pg-transaction-log-failures.test.ts; its
// schema and indexes: pg-transaction-schema.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { waitUntil, within } from '@iso8583/test-support';
import type { PgTransactionLog, PgTransactionLogOptions, TransactionRecord } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { sampleRecord, transactionLogContract } from './helpers/transaction-log-contract.js';
import { capturedLogger } from './helpers/setup.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());
const database = (name: string): string => pgs.database(name);
const makeLog = (name: string, options: Omit<PgTransactionLogOptions, 'connectionString'> = {}): PgTransactionLog => pgs.makeLog(name, options);

transactionLogContract('PgTransactionLog', async (storage) => makeLog(storage));

describe('PgTransactionLog', () => {
  test('records of one tick go in one statement, sharing one promise; records made while one is in flight go together in the next', async () => {
    await pgs.withLog('batching', {}, async ({ log, admin }) => {
      const tick = Array.from({ length: 300 }, (_, i) => log.record(sampleRecord(i)));
      assert.equal(new Set(tick).size, 1, 'one promise (one bookkeeping object) for the records of the tick');
      await Promise.all(tick);
      // Rows written by one statement share their inserting transaction id (xmin).
      const one = await admin.query<{ n: number }>('SELECT count(DISTINCT xmin::text)::int AS n FROM iso8583_transactions');
      assert.equal(one.rows[0]?.n, 1, 'one statement for the tick');

      // Hold the table so that the next statement waits in flight.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE iso8583_transactions IN EXCLUSIVE MODE');
      const first = log.record(sampleRecord(1000));
      await waitUntil(async () => {
        const r = await new pg.Client({ connectionString: database('batching') });
        await r.connect();
        try {
          const w = await r.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'iso8583_transactions'::regclass AND NOT granted");
          return (w.rows[0]?.n ?? 0) > 0;
        } finally {
          await r.end();
        }
      }, { what: 'the COPY to wait for the lock' });
      assert.equal(log.stats().inFlight, 1);
      const later = Array.from({ length: 50 }, (_, i) => log.record(sampleRecord(2000 + i)));
      assert.equal(log.stats().buffered, 50, 'records made while a statement is in flight wait for it');
      await admin.query('COMMIT');
      await Promise.all([first, ...later]);
      const batches = await admin.query<{ n: number }>('SELECT count(DISTINCT xmin::text)::int AS n FROM iso8583_transactions');
      assert.equal(batches.rows[0]?.n, 3, 'the tick, the one in flight, the 50 together');
    });
  });

  test('between two batches records gather for flushInterval; a full batch goes at once; close stores what waits', async () => {
    const log = makeLog('flush_interval', { flushInterval: 60_000, maxBatch: 5 });
    await log.open();
    try {
      // Nothing went for a while: the first record goes at once.
      await within(log.record(sampleRecord(1)), 20_000, 'the first record');
      assert.equal(log.stats().batches, 1);
      const waiting = [log.record(sampleRecord(2)), log.record(sampleRecord(3))];
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(log.stats().buffered, 2, 'they wait for the interval');
      // Three more make a full batch (maxBatch 5): it goes without waiting for the interval.
      const full = [4, 5, 6].map((i) => log.record(sampleRecord(i)));
      await within(Promise.all([...waiting, ...full]), 20_000, 'the full batch');
      assert.equal(log.stats().batches, 2);
      const last = log.record(sampleRecord(7));
      await log.close();
      await last;
      assert.deepEqual({ stored: log.stats().stored, batches: log.stats().batches, dropped: log.stats().dropped }, { stored: 7, batches: 3, dropped: 0 });
    } finally {
      await log.close();
    }
    for (const flushInterval of [-1, 1.5, 60_001]) {
      assert.throws(() => makeLog('flush_bad', { flushInterval }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === 'flushInterval');
    }
  });

  test('a query answers with every record recorded before it: the batch in flight, and records waiting for flushInterval', async () => {
    const log = makeLog('read_your_writes', { flushInterval: 60_000 });
    await log.open();
    try {
      // The first record goes at once (in flight, or about to be, when the query is made in the same turn).
      void log.record(sampleRecord(1));
      assert.deepEqual((await log.query({})).map((r) => r.stan), [sampleRecord(1).stan]);
      // These wait for the interval (a minute): the query sends them without waiting for it.
      void log.record(sampleRecord(2));
      void log.record(sampleRecord(3));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(log.stats().buffered, 2, 'they wait for the interval');
      const stans = (await within(log.query({}), 20_000, 'the query')).map((r) => r.stan);
      assert.deepEqual(stans.sort(), [1, 2, 3].map((i) => sampleRecord(i).stan).sort());
      assert.equal(log.stats().buffered, 0);
    } finally {
      await log.close();
    }
  });

  test('COPY text: backslashes, NULL columns and a time with a fraction of a millisecond are stored as given', async () => {
    await pgs.withLog('copy_text', { flushInterval: 0 }, async ({ log, admin }) => {
      const at = Date.UTC(2026, 10, 30, 21, 0, 0, 123) + 0.5;
      const odd = { ...sampleRecord(1), at, node: 'node\\N\\t', merchant: 'A\\B "C"', terminal: '\\N' };
      const bare = sampleRecord(2);
      delete (bare as { stan?: string }).stan;
      delete (bare as { rrn?: string }).rrn;
      await Promise.all([log.record(odd), log.record(bare)]);
      const rows = await admin.query<{ node: string; terminal: string | null; stan: string | null; rrn: string | null; us: string; merchant: string }>(
        "SELECT node, terminal, stan, rrn, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS us, merchant FROM iso8583_transactions ORDER BY seq",
      );
      assert.equal(rows.rows[0]?.merchant, 'A\\B "C"');
      assert.deepEqual((await log.query({ terminal: '\\N' }))[0], odd, 'the record comes back as recorded, at to the microsecond');
      assert.deepEqual([rows.rows[0]?.node, rows.rows[0]?.terminal, rows.rows[0]?.us], ['node\\N\\t', '\\N', '2026-11-30 21:00:00.123500']);
      assert.deepEqual([rows.rows[1]?.stan, rows.rows[1]?.rrn], [null, null], 'an absent STAN or RRN is NULL, not text');
      // The boundaries of a time range see the fraction: to = the whole millisecond is before the record.
      assert.deepEqual((await log.query({ terminal: '\\N', to: at - 0.5 })).length, 0);
      assert.deepEqual((await log.query({ terminal: '\\N', from: at - 0.5 })).map((r) => r.merchant), ['A\\B "C"']);
    });
  });

  test('a batch larger than one CopyData message (1 MiB) is stored whole, in one statement', async () => {
    const log = makeLog('copy_chunks', { flushInterval: 0, maxBatch: 5000 });
    await log.open();
    try {
      // About 450 bytes a row: 3000 rows are some 1.3 MiB, two CopyData messages cut inside a row.
      await within(Promise.all(Array.from({ length: 3000 }, (_, i) => log.record(sampleRecord(i)))), 60_000, 'the big batch');
      assert.deepEqual({ stored: log.stats().stored, batches: log.stats().batches }, { stored: 3000, batches: 1 });
      const all = await log.query({ limit: 10_000 });
      assert.equal(all.length, 3000);
      assert.deepEqual(all.at(-1), sampleRecord(0));
    } finally {
      await log.close();
    }
  });

  test('its batches commit with synchronous_commit off by default (they never queue for the WAL flush); synchronousCommit: true keeps it on', async () => {
    for (const [name, synchronousCommit, expected] of [['commit_async', undefined, 'off'], ['commit_sync', true, 'on']] as const) {
      await pgs.withLog(name, synchronousCommit === undefined ? {} : { synchronousCommit }, async ({ log, admin }) => {
        // A trigger reads the setting in the session that inserts: what the log's own connections run with.
        await admin.query(`CREATE TABLE seen (setting text);
          CREATE FUNCTION note_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO seen VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$;
          CREATE TRIGGER note_commit AFTER INSERT ON iso8583_transactions FOR EACH STATEMENT EXECUTE FUNCTION note_commit();`);
        await log.record(sampleRecord(1));
        const seen = await admin.query<{ setting: string }>('SELECT setting FROM seen');
        assert.deepEqual(seen.rows.map((r) => r.setting), [expected]);
        const stored = await admin.query<{ at: Date; stan: string; amount: string; record: unknown }>('SELECT at, stan, amount, record FROM iso8583_transactions');
        assert.equal(stored.rows[0]?.at.getTime(), sampleRecord(1).at, 'at kept to the millisecond');
        assert.deepEqual([stored.rows[0]?.stan, stored.rows[0]?.amount, stored.rows[0]?.record], [sampleRecord(1).stan, sampleRecord(1).amount, null], 'a value per column, no JSON');
        assert.deepEqual(await log.query({}), [sampleRecord(1)]);
      });
    }
    assert.throws(() => makeLog('commit_bad', { synchronousCommit: 'no' as unknown as boolean }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === 'synchronousCommit');
  });

  test('card data: the database never holds a full PAN, track data, PIN block, CVV, field 55 or field 48', async () => {
    const secrets = {
      pan: '4111111111111111',
      pan2: '5555555555554444',
      track2: '4111111111111111=28121011234567890',
      discretionary: '1011234567890',
      track1: 'B4111111111111111^CARDHOLDER/TEST^28121010000000000000',
      pinBlock: '9C3F1A2B4D5E6F70',
      cvv: '123',
      emv: '9F2608C2C12B098F3DA6E39F2701809F10120110A00000',
      private48: 'PRIVATE-ADDITIONAL-DATA',
    };
    await pgs.withLog('card_data', {}, async ({ log, admin }) => {
      const inputs = [
        { ...sampleRecord(1), pan: secrets.pan, track2: secrets.track2, '35': secrets.track2, '45': secrets.track1, pinBlock: secrets.pinBlock, '52': secrets.pinBlock, cvv: secrets.cvv, '55': secrets.emv, '48': secrets.private48 },
        { ...sampleRecord(2), pan: secrets.pan2, fields: { '2': secrets.pan2, '35': secrets.track2, '55': secrets.emv } },
      ];
      for (const input of inputs) await log.record(input as unknown as TransactionRecord);
      // Every byte of every row, every column.
      const rows = await admin.query<{ row: string }>('SELECT t::text AS row FROM iso8583_transactions t');
      const all = rows.rows.map((r) => r.row).join('\n');
      assert.equal(rows.rows.length, 2);
      for (const [what, value] of Object.entries(secrets)) {
        if (what === 'cvv') continue;
        assert.ok(!all.includes(value), `${what} is not in the database`);
      }
      // The table's columns are the record's keys and what queries need, nothing else.
      const columns = await admin.query<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'iso8583_transactions'");
      assert.doesNotMatch(columns.rows.map((r) => r.name).join(' '), /cvv|track|pin|field|emv|private/);
      const pans = await admin.query<{ pan: string }>('SELECT pan FROM iso8583_transactions ORDER BY seq');
      assert.deepEqual(pans.rows.map((r) => r.pan), ['411111******1111', '555555******4444']);
      assert.deepEqual((await log.query({})).map((r) => Object.keys(r).filter((k) => !(k in sampleRecord(0)))), [[], []], 'no key outside TransactionRecord');
    });
  });

  test('rows the log did not write are read back through the allow-list: no key outside a record, the PAN masked; a row it refuses is skipped and reported once', async () => {
    const PAN = '4761739001010010';
    const TRACK2 = `${PAN}=25122011234567890`;
    const EMV = '9F2608C2C12B098F3DA6E39F2701809F10120110A00000';
    const captured = capturedLogger('warn');
    await pgs.withLog('read_back', { logger: captured.logger }, async ({ log, admin }) => {
      // A row as schema version 100 stored it (the record as JSON), brought by a restore or written by another program,
      // carrying what no record holds; a row of columns with a full PAN; a row whose outcome no record has.
      const legacy = { ...sampleRecord(1), pan: PAN, track2: TRACK2, '35': TRACK2, '55': EMV };
      await admin.query('INSERT INTO iso8583_transactions (at, node, stan, terminal, rrn, record) VALUES (to_timestamp($1 / 1000.0), $2, $3, $4, $5, $6)', [legacy.at, legacy.node, legacy.stan, legacy.terminal, legacy.rrn, JSON.stringify(legacy)]);
      await log.record(sampleRecord(2));
      await log.record(sampleRecord(3));
      await admin.query("UPDATE iso8583_transactions SET pan = $1 WHERE stan IN ('000002', '000003')", [PAN]);
      await admin.query("UPDATE iso8583_transactions SET outcome = 'approvex' WHERE stan = '000003'");
      for (let i = 0; i < 2; i++) {
        const page = await log.query({});
        const text = JSON.stringify(page);
        assert.ok(!text.includes(PAN) && !text.includes('9001010010') && !text.includes(EMV), `no full PAN, track or EMV data served: ${text}`);
        assert.deepEqual(page.map((r) => [r.stan, r.pan]), [['000002', '476173******0010'], ['000001', '476173******0010']], 'the refused row skipped');
        assert.deepEqual(page.map((r) => Object.keys(r).filter((k) => !(k in sampleRecord(0)))), [[], []], 'no key outside TransactionRecord');
      }
      const reports = captured.lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
      assert.deepEqual(reports.map((l) => [l['table'], l['field']]), [['iso8583_transactions', 'outcome']], 'reported once, naming the key');
      assert.ok(!captured.text().includes('approvex') && !captured.text().includes(PAN), 'never a value in the log');
      // A page is filled from the rows after a refused one, and read on from its last record.
      const first = await log.query({ limit: 1 });
      assert.deepEqual(first.map((r) => r.stan), ['000002'], 'the newest row, refused, skipped');
      assert.equal(typeof first.next, 'string');
      assert.deepEqual((await log.query({ limit: 1, before: first.next })).map((r) => r.stan), ['000001']);
      assert.deepEqual((await log.query({ limit: 2 })).map((r) => r.stan), ['000002', '000001']);
      assert.deepEqual((await log.query({ from: sampleRecord(2).at, limit: 1 })).map((r) => r.stan), ['000002'], 'with a filter too');
    });
  });

  test('two nodes on one database: each stamps its own node and sees the other node\'s records', async () => {
    const a = makeLog('two_nodes', { node: 'gateway-a' });
    const b = makeLog('two_nodes', { node: 'gateway-b' });
    await Promise.all([a.open(), b.open()]);
    try {
      await Promise.all([a.record(sampleRecord(1)), b.record(sampleRecord(2)), a.record(sampleRecord(3)), b.record(sampleRecord(4, { node: 'spoofed' }))]);
      for (const log of [a, b]) {
        const seen = await log.query({});
        assert.deepEqual(seen.map((r) => [r.stan, r.node]), [['000004', 'gateway-b'], ['000003', 'gateway-a'], ['000002', 'gateway-b'], ['000001', 'gateway-a']]);
      }
      assert.deepEqual((await a.query({ stan: '000002' })).map((r) => r.node), ['gateway-b']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
