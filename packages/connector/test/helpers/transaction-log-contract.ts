/**
 * What every TransactionLog promises, whatever its store: one suite, run for each store by its own test file
 * (`transactionLogContract('PgTransactionLog', makeLog)`). `makeLog(storage)` gives a new, not yet opened log over the
 * storage named `storage`: the same name gives the same storage (a second instance over it sees what the first
 * stored), a new name gives empty storage.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SAMPLE_RECORD_T0, sampleTransactionRecord } from '@iso8583/test-support';
import type { TransactionLog, TransactionRecord } from '../../src/index.js';

/** Makes a log over the storage named `storage` (the same name, the same storage). */
export type MakeTransactionLog = (storage: string) => Promise<TransactionLog>;

const T0 = SAMPLE_RECORD_T0;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A complete record of a purchase, as the connector records it (PAN already masked): test-support's
 * `sampleTransactionRecord`, typed as the connector's record.
 */
export function sampleRecord(n: number, overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return { ...sampleTransactionRecord(n), ...overrides };
}

async function opened(makeLog: MakeTransactionLog, storage: string): Promise<TransactionLog> {
  const log = await makeLog(storage);
  await log.open();
  return log;
}

function codeOf(expected: string): (err: unknown) => boolean {
  return (err) => {
    assert.equal((err as { code?: string }).code, expected, String(err));
    return true;
  };
}

/** Runs the contract suite against one store. */
export function transactionLogContract(name: string, makeLog: MakeTransactionLog): void {
  describe(`TransactionLog contract: ${name}`, () => {
    test('a recorded transaction comes back from query exactly as recorded', async () => {
      const log = await opened(makeLog, 'contract_roundtrip');
      try {
        const record = sampleRecord(1);
        await log.record(record);
        const minimal: TransactionRecord = { at: T0, node: 'node-b', upstream: '127.0.0.1:9000', mti: '0800', latencyMs: 0, outcome: 'error', errorCode: 'ISO8583_ERR_CONNECTOR_TIMEOUT' };
        await log.record(minimal);
        assert.deepEqual(await log.query({}), [record, minimal]);
      } finally {
        await log.close();
      }
    });

    test('query: newest first, filters by stan, terminal, rrn and from/to (inclusive), combined', async () => {
      const log = await opened(makeLog, 'contract_filters');
      try {
        await Promise.all(Array.from({ length: 12 }, (_, i) => log.record(sampleRecord(i))));
        const all = await log.query({});
        assert.deepEqual(all.map((r) => r.stan), Array.from({ length: 12 }, (_, i) => String(11 - i).padStart(6, '0')));
        assert.deepEqual((await log.query({ stan: '000005' })).map((r) => r.rrn), ['000000000005']);
        assert.deepEqual((await log.query({ rrn: '000000000007' })).map((r) => r.stan), ['000007']);
        assert.deepEqual((await log.query({ terminal: 'TERM0001' })).map((r) => r.stan), ['000010', '000007', '000004', '000001']);
        assert.deepEqual((await log.query({ from: T0 + 3000, to: T0 + 6000 })).map((r) => r.stan), ['000006', '000005', '000004', '000003']);
        assert.deepEqual((await log.query({ terminal: 'TERM0000', from: T0 + 3000 })).map((r) => r.stan), ['000009', '000006', '000003']);
        assert.deepEqual(await log.query({ stan: '999999' }), []);
        assert.deepEqual(await log.query({ stan: '000005', terminal: 'TERM0001' }), [], 'filters are combined with AND');
      } finally {
        await log.close();
      }
    });

    test('query: a terminal or RRN the record holds with a character beyond ASCII (É, ½: field 41 and 37 are ans) is found by it; a control character is refused', async () => {
      const log = await opened(makeLog, 'contract_non_ascii');
      try {
        const record = sampleRecord(1, { terminal: 'T\u00c9ST001', rrn: '\u00bd00000000001' });
        await log.record(record);
        await log.record(sampleRecord(2));
        assert.deepEqual(await log.query({ terminal: 'T\u00c9ST001' }), [record]);
        assert.deepEqual(await log.query({ rrn: '\u00bd00000000001' }), [record]);
        await assert.rejects(log.query({ terminal: 'T\u0007ST001' }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' && err.field === 'terminal');
        await assert.rejects(log.query({ rrn: 'A\nB' }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' && err.field === 'rrn');
      } finally {
        await log.close();
      }
    });

    test('query: limit keeps the newest; the default is 100; outside 1-10000 is refused with ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', async () => {
      const log = await opened(makeLog, 'contract_limit');
      try {
        await Promise.all(Array.from({ length: 130 }, (_, i) => log.record(sampleRecord(i))));
        assert.deepEqual((await log.query({ limit: 3 })).map((r) => r.stan), ['000129', '000128', '000127']);
        assert.equal((await log.query({})).length, 100);
        assert.equal((await log.query({ limit: 10_000 })).length, 130);
        for (const limit of [0, 10_001, 1.5]) await assert.rejects(log.query({ limit }), codeOf('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY'));
      } finally {
        await log.close();
      }
    });

    test('query: pages through records sharing a millisecond with the cursor `next` given as `before`, each record exactly once', async () => {
      const log = await opened(makeLog, 'contract_paging');
      try {
        // 8 records: 6 in one millisecond, one before it, one after; and one of another terminal, filtered out.
        const ats = [T0 + 5, T0 + 10, T0 + 10, T0 + 10, T0 + 10, T0 + 10, T0 + 10, T0 + 20];
        await Promise.all(ats.map((at, i) => log.record(sampleRecord(i, { at, terminal: 'PAGE0001' }))));
        await log.record(sampleRecord(9, { at: T0 + 10, terminal: 'OTHER001' }));
        const seen: string[] = [];
        const pages: number[] = [];
        let before: string | undefined;
        for (let n = 0; n < 10; n++) {
          const page = await log.query({ terminal: 'PAGE0001', limit: 3, ...(before === undefined ? {} : { before }) });
          pages.push(page.length);
          seen.push(...page.map((r) => r.stan as string));
          for (let i = 1; i < page.length; i++) assert.ok((page[i - 1] as TransactionRecord).at >= (page[i] as TransactionRecord).at, 'newest first');
          if (page.next === undefined) break;
          before = page.next;
        }
        assert.deepEqual(pages, [3, 3, 2]);
        assert.deepEqual([...seen].sort(), ats.map((_, i) => sampleRecord(i).stan as string).sort(), 'each record once');
        assert.equal(seen[0], sampleRecord(7).stan, 'the newest first');
        assert.equal(seen[7], sampleRecord(0).stan, 'the oldest last');
        // A cursor is the store's own: anything else is the query's error, naming it.
        await assert.rejects(log.query({ before: 'x_1_2' }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' && err.field === 'before');
        await assert.rejects(log.query({ before: 'not a cursor' }), codeOf('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY'));
      } finally {
        await log.close();
      }
    });

    test('query: a cursor of the store\'s form but out of range (a time past year 9999, a tie-break past what it gives) is the query\'s error naming `before`, never the store\'s', async () => {
      const log = await opened(makeLog, 'contract_cursor_range');
      try {
        await Promise.all([0, 1].map((i) => log.record(sampleRecord(i))));
        const letter = (await log.query({ limit: 1 })).next?.[0] as string;
        assert.match(letter, /^[a-z]$/);
        for (const before of [`${letter}_99999999999999999999_1`, `${letter}_1796040000000000_9223372036854775808`, `${letter}_1_99999999999999999999`]) {
          await assert.rejects(log.query({ before }), (err: { code?: string; field?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' && err.field === 'before', before);
        }
      } finally {
        await log.close();
      }
    });

    test('query: every `next` a page hands out is taken back, whatever the records\' `at` (0, under a microsecond, a fraction): `at` is kept to the microsecond', async () => {
      const log = await opened(makeLog, 'contract_cursor_at');
      try {
        const ats = [0, 1e-7, 2e-7, 0.0004, 0.0006, 1.5, T0 + 0.25, T0 + 0.0000001, T0 + 1];
        await Promise.all(ats.map((at, i) => log.record(sampleRecord(i, { at }))));
        const seen: number[] = [];
        let before: string | undefined;
        for (let n = 0; n < 20; n++) {
          const page = await log.query({ limit: 1, ...(before === undefined ? {} : { before }) });
          seen.push(...page.map((r) => r.at));
          if (page.next === undefined) break;
          assert.match(page.next, /^[a-z]_[0-9]+(\.[0-9]+)?_[0-9]+$/, 'fixed point');
          before = page.next;
        }
        assert.deepEqual(seen, [T0 + 1, T0 + 0.25, T0, 1.5, 0.001, 0, 0, 0, 0]);
      } finally {
        await log.close();
      }
    });

    test('record: keys outside TransactionRecord are dropped and a full PAN is stored masked', async () => {
      const log = await opened(makeLog, 'contract_allow_list');
      try {
        const input = {
          ...sampleRecord(1),
          pan: '4111111111111111',
          track2: '4111111111111111=28121011234567890',
          '35': '4111111111111111=28121011234567890',
          pinBlock: '9C3F1A2B4D5E6F70',
          '55': '9F2608C2C12B098F3DA6E3',
          '48': 'PRIVATE-DATA',
        } as unknown as TransactionRecord;
        await log.record(input);
        const [stored] = await log.query({});
        assert.deepEqual(stored, { ...sampleRecord(1), pan: '411111******1111' });
      } finally {
        await log.close();
      }
    });

    test('record: an invalid record is refused with ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD naming the key (never its value); nothing of it is stored, the valid records beside it are', async () => {
      const log = await opened(makeLog, 'contract_invalid');
      try {
        const bad: [Record<string, unknown>, string][] = [
          [{ ...sampleRecord(1), mti: undefined }, 'mti'],
          [{ ...sampleRecord(1), amount: 1000 }, 'amount'],
          [{ ...sampleRecord(1), merchant: '4111111111111111=2812101' }, 'merchant'],
          [{ ...sampleRecord(1), outcome: 'lost' }, 'outcome'],
          [{ ...sampleRecord(1), at: Number.NaN }, 'at'],
          [{ ...sampleRecord(1), at: Date.UTC(10_000, 0, 1) }, 'at'],
          [{ ...sampleRecord(1), stan: '00\u00001' }, 'stan'],
        ];
        const good: Promise<void>[] = [];
        for (const [record, key] of bad) {
          const refused = log.record(record as unknown as TransactionRecord);
          // Recorded in the same turn (the same batch, where a store batches): stored whatever its neighbour's fate.
          good.push(log.record(sampleRecord(2 + good.length)));
          await assert.rejects(refused, (err: Error & { code?: string }) => {
            assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD');
            assert.match(err.message, new RegExp(`^${key}:`));
            assert.doesNotMatch(err.message, /4111/);
            return true;
          });
        }
        await Promise.all(good);
        assert.deepEqual(await log.query({}), good.map((_, i) => sampleRecord(2 + i)).reverse());
      } finally {
        await log.close();
      }
    });

    test('prune: whole UTC days older than its time go, counted; within a day a store may keep older records, never a newer one', async () => {
      const log = await opened(makeLog, 'contract_prune');
      try {
        // Five records on each of five UTC days, an hour apart.
        const start = Date.UTC(2026, 10, 21);
        const at = (n: number): number => start + Math.floor(n / 5) * DAY + (n % 5) * HOUR;
        await Promise.all(Array.from({ length: 25 }, (_, n) => log.record(sampleRecord(n, { at: at(n) }))));
        assert.equal(await log.prune(start + 3 * DAY), 15);
        assert.deepEqual((await log.query({})).map((r) => r.stan), Array.from({ length: 10 }, (_, i) => String(24 - i).padStart(6, '0')));
        assert.equal(await log.prune(start + 3 * DAY), 0);
        // Mid-day: the records at or after the time stay (the file store removes whole days, so it keeps the older
        // records of that day too), and the count is what went.
        const cut = start + 3 * DAY + 2 * HOUR;
        const removed = await log.prune(cut);
        const left = (await log.query({})).map((r) => r.at);
        const newer = Array.from({ length: 25 }, (_, n) => at(n)).filter((t) => t >= cut);
        assert.deepEqual(left.filter((t) => t >= cut).sort(), newer.sort(), 'no record at or after the time is removed');
        assert.equal(removed, 10 - left.length);
        for (const before of [Number.NaN, Number.POSITIVE_INFINITY]) await assert.rejects(log.prune(before), codeOf('ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY'));
      } finally {
        await log.close();
      }
    });

    test('close stores every record not yet awaited; another instance over the same storage sees them all', async () => {
      const first = await opened(makeLog, 'contract_close');
      const pending = Array.from({ length: 500 }, (_, i) => first.record(sampleRecord(i)));
      await first.close();
      await Promise.all(pending);
      await first.close();
      const second = await opened(makeLog, 'contract_close');
      try {
        const all = await second.query({ limit: 10_000 });
        assert.equal(all.length, 500);
        assert.equal(all[0]?.stan, '000499');
      } finally {
        await second.close();
      }
    });
  });
}
