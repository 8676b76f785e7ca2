// The console's recent transactions are what a transaction log keeps, by one rule: every record goes through the
// stores' allow-list (`toTransactionRecord`) on its way into the ring, whether a connector's recorder hands it over
// (`observe`, the gateway with a transaction log) or the ring is the connectors' log itself (`--no-transaction-log`).
// Compared with what the real file store writes and reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import { FileTransactionLog, TransactionRecorder, toTransactionRecord } from '@iso8583/connector';
import type { TransactionLog, TransactionRecord } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';

const TRACK2 = '4111111111111111=29122010000000000000';

/**
 * A record as a connector given a transaction log of its own making might hand it over: the PAN in full, and keys no
 * record has (track data, PIN block, field 55, field 48). Test card number.
 */
const RAW = {
  at: Date.UTC(2026, 11, 1, 6, 0, 0),
  node: 'gw-1:4242',
  upstream: 'bank',
  mti: '0200',
  latencyMs: 12.5,
  outcome: 'approved',
  pan: '4111111111111111',
  stan: '000123',
  terminal: 'TERM0001',
  responseCode: '00',
  track2: TRACK2,
  '35': TRACK2,
  '52': '0123456789ABCDEF',
  '55': '9F2608571F1E10BD3AC8B9',
  '48': 'SECRET-ADDITIONAL-DATA',
} as unknown as TransactionRecord;

const CARD_DATA = /4111111111111111|29122010|0123456789ABCDEF|9F2608|SECRET/;

/** The file store in a temporary folder, open, closed and removed after the test. */
async function fileLog(t: { after(fn: () => unknown): void }): Promise<FileTransactionLog> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-console-recent-'));
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  t.after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await log.open();
  return log;
}

test('recent – the console shows exactly what the transaction log records: the PAN masked, no track, PIN, field 55 or 48', async (t) => {
  const log = await fileLog(t);
  // What the store keeps, written to disk and read back.
  await log.record(RAW);
  const [stored] = await log.query({ terminal: 'TERM0001' });
  assert.ok(stored !== undefined, 'the file store kept the record');
  assert.equal(stored.pan, '411111******1111');
  assert.doesNotMatch(JSON.stringify(stored), CARD_DATA);

  // The ring as the connectors' transaction log (--no-transaction-log).
  const asLog = new TransactionRing();
  await asLog.record(RAW);
  assert.deepStrictEqual(asLog.list(), [stored]);
  assert.deepStrictEqual(await asLog.query({ terminal: 'TERM0001' }), [stored]);

  // The ring fed by a recorder's observer (the gateway with a transaction log): the same record, the same rule.
  const writes: Promise<void>[] = [];
  const tee: TransactionLog = Object.assign(Object.create(log) as TransactionLog, {
    record: (record: TransactionRecord) => {
      const written = log.record(record);
      writes.push(written);
      return written;
    },
  });
  const recorder = new TransactionRecorder(tee, 'gw-1:4242', 'bank', resolveDialect('iso87ascii'), pino({ enabled: false }));
  const observed = new TransactionRing();
  recorder.observe((record) => observed.add(record));
  recorder.write(RAW);
  await Promise.all(writes);
  assert.deepStrictEqual(observed.list(), [stored]);
  const both = await log.query({ terminal: 'TERM0001' });
  assert.deepStrictEqual(both, [stored, stored], 'the log kept the observed record as it kept the first');
  assert.doesNotMatch(JSON.stringify([asLog.list(), observed.list()]), CARD_DATA);
  assert.deepStrictEqual(observed.takeLatencies(), [12.5]);
});

test('recent – a record the log refuses is refused by the console too, with the same code and key, and not shown', async (t) => {
  const log = await fileLog(t);
  const ring = new TransactionRing();
  const cases: [string, Record<string, unknown>][] = [
    ['node', { ...RAW, node: undefined }],
    ['outcome', { ...RAW, outcome: 'lost' }],
    ['pan', { ...RAW, pan: '41111111111111111111' }],
    ['stan', { ...RAW, stan: '0001\n23' }],
  ];
  for (const [field, bad] of cases) {
    const expected = { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD', field };
    await assert.rejects(log.record(bad as unknown as TransactionRecord), expected, `the log: ${field}`);
    await assert.rejects(ring.record(bad as unknown as TransactionRecord), expected, `the ring as a log: ${field}`);
    assert.throws(() => ring.add(bad as unknown as TransactionRecord), expected, `the ring fed by an observer: ${field}`);
  }
  assert.deepStrictEqual(ring.list(), []);
  assert.deepStrictEqual(ring.takeLatencies(), []);
  assert.equal(ring.version, 0);
});

test('recent – a record a recorder hands its observers is checked once: the ring and the log are given that same record', async (t) => {
  const log = await fileLog(t);
  const logged: TransactionRecord[] = [];
  const tee: TransactionLog = Object.assign(Object.create(log) as TransactionLog, {
    record: (record: TransactionRecord) => {
      logged.push(record);
      return log.record(record);
    },
  });
  const recorder = new TransactionRecorder(tee, 'gw-1:4242', 'bank', resolveDialect('iso87ascii'), pino({ enabled: false }));
  const ring = new TransactionRing();
  recorder.observe((record) => ring.add(record));
  recorder.write(RAW);
  const [kept] = ring.list();
  assert.ok(kept !== undefined);
  assert.equal(kept.pan, '411111******1111');
  assert.equal(logged[0], kept, 'the log was given the record the ring keeps');
  assert.ok(Object.isFrozen(kept), 'checked once, and unchangeable since');
  assert.equal(toTransactionRecord(kept), kept, 'not converted again');
});

test('recent – the ring as a log answers newest first by `at` (not in the order requests settled), and pages by its cursor, each record once', async () => {
  const ring = new TransactionRing({ size: 50 });
  const t0 = RAW.at;
  // Settled in this order: a slow request accepted first settles last; 6 records share one millisecond.
  const ats = [t0 + 20, t0 + 10, t0 + 10, t0 + 10, t0 + 10, t0 + 10, t0 + 10, t0 + 5];
  ats.forEach((at, i) => ring.add({ ...RAW, at, stan: String(i + 1).padStart(6, '0') } as TransactionRecord));
  const all = await ring.query({});
  assert.deepEqual(all.map((r) => r.at), [...ats].sort((a, b) => b - a), 'newest first');
  const seen: string[] = [];
  const pages: number[] = [];
  let before: string | undefined;
  for (let n = 0; n < 10; n++) {
    const page = await ring.query({ limit: 3, ...(before === undefined ? {} : { before }) });
    pages.push(page.length);
    seen.push(...page.map((r) => r.stan as string));
    if (page.next === undefined) break;
    before = page.next;
  }
  assert.deepEqual(pages, [3, 3, 2]);
  assert.deepEqual(seen, all.map((r) => r.stan), 'the pages, one after the other, are the whole answer');
  assert.equal(new Set(seen).size, 8);
  // The filters are the stores' (matchesQuery): from/to inclusive, the STAN padded.
  assert.deepEqual((await ring.query({ stan: '8', to: t0 + 5 })).map((r) => r.stan), ['000008']);
  await assert.rejects(ring.query({ before: 'f_1_2' }), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY' });
});

test('recent – the ring lists its records in the order GET /transactions answers from it: the later `at` first, then the later arrival', async () => {
  const ring = new TransactionRing({ size: 10 });
  const at = Date.UTC(2026, 11, 1, 6, 0, 0);
  // Arrival is the order outcomes came: a slow request accepted first settles last.
  for (const [stan, when] of [['000002', at + 2000], ['000003', at + 2000], ['000001', at]] as const) ring.add({ ...RAW, stan, at: when });
  const listed = ring.list().map((r) => r.stan);
  assert.deepEqual(listed, ['000003', '000002', '000001']);
  assert.deepEqual((await ring.query({})).map((r) => r.stan), listed);
  assert.deepEqual(ring.list(2).map((r) => r.stan), ['000003', '000002']);
});

test('recent – every `next` the ring hands out is taken back, whatever the records\' `at` (under a microsecond: kept to the microsecond)', async () => {
  const ring = new TransactionRing({ size: 10 });
  for (const [stan, at] of [['000001', 2e-7], ['000002', 1e-7], ['000003', 0.0006]] as const) ring.add({ ...RAW, stan, at });
  const seen: string[] = [];
  let before: string | undefined;
  for (let n = 0; n < 10; n++) {
    const page = await ring.query({ limit: 1, ...(before === undefined ? {} : { before }) });
    seen.push(...page.map((r) => r.stan as string));
    if (page.next === undefined) break;
    before = page.next;
  }
  assert.deepEqual(seen, ['000003', '000002', '000001']);
});
