// The embedded transaction log: the shared TransactionLog contract, then what only the file store does: batched
// appends, one file per UTC day, queries newest first read backwards, prune by whole days, corrupt and cut lines
// skipped and reported, one writer per folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { within } from '@iso8583/test-support';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { sampleRecord, transactionLogContract } from './helpers/transaction-log-contract.js';

/** An open FileTransactionLog in a new folder (removed after the test). */
async function openLog(t: { after(fn: () => unknown): void }): Promise<{ dir: string; log: FileTransactionLog }> {
  const dir = tempDir(t, 'txlog');
  const log = new FileTransactionLog(dir);
  await log.open();
  return { dir, log };
}

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-28T10:00:00Z');

function rec(stan: string, at: number, more: Partial<TransactionRecord> = {}): TransactionRecord {
  return { at, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved', ...more };
}

// One folder per storage name, below one root for the file (the same name, the same folder).
const contractRoot = mkdtempSync(join(tmpdir(), 'iso8583-txlog-contract-'));
after(() => rmSync(contractRoot, { recursive: true, force: true }));
transactionLogContract('FileTransactionLog', async (storage) => new FileTransactionLog(join(contractRoot, storage)));

test('FileTransactionLog – track data, a PIN block, field 55 and a full PAN smuggled into a record never reach the file', async (t) => {
  const { dir, log } = await openLog(t);
  const smuggled = {
    ...sampleRecord(7),
    pan: '5555555555554444',
    track2: '5555555555554444=28121011234567890',
    '35': '5555555555554444=28121011234567890',
    '45': 'B5555555555554444^CARDHOLDER/TEST^2812101',
    pinBlock: '9C3F1A2B4D5E6F70',
    '52': '9C3F1A2B4D5E6F70',
    '55': '9F2608C2C12B098F3DA6E3',
  } as unknown as TransactionRecord;
  await log.record(smuggled);
  await log.close();
  const [name] = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  const text = readFileSync(join(dir, name as string), 'utf8');
  assert.deepEqual(JSON.parse(text), { ...sampleRecord(7), pan: '555555******4444' });
  for (const secret of ['5555555555554444', '28121011234567890', 'CARDHOLDER', '9C3F1A2B4D5E6F70', '9F2608C2']) assert.ok(!text.includes(secret), `the file holds ${secret.slice(0, 4)}…`);
});

test('FileTransactionLog – one batch over five UTC days is written whole (the oldest files it wrote are synced, then closed)', async (t) => {
  const { dir, log } = await openLog(t);
  await Promise.all(Array.from({ length: 5 }, (_, d) => log.record(rec(String(d).padStart(6, '0'), T0 + d * DAY))));
  assert.deepEqual(log.stats, { records: 5, batches: 1, failed: 0 });
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).length, 5);
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000004', '000003', '000002', '000001', '000000']);
  await log.close();
});

test('FileTransactionLog – a record made just as the previous batch settles is written without waiting for another record', async (t) => {
  const { log } = await openLog(t);
  await log.record(rec('000001', T0));
  // Made in the continuation of the first batch's promise, before the flush under way has finished.
  await within(log.record(rec('000002', T0 + 1)), 10_000, 'the second record to be written (nothing else flushes it)');
  assert.equal(log.stats.records, 2);
  await log.close();
});

test('FileTransactionLog – the records of one turn go out in one batch, in the file of their UTC day, mode 0600', async (t) => {
  const { dir, log } = await openLog(t);
  const done = [];
  for (let i = 0; i < 500; i++) done.push(log.record(rec(String(i).padStart(6, '0'), T0 + i)));
  await Promise.all(done);
  assert.equal(log.stats.batches, 1);
  assert.equal(log.stats.records, 500);
  const file = join(dir, transactionFile('2026-11-28'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 500);
  assert.deepEqual(JSON.parse(lines[499] as string), rec('000499', T0 + 499));
  // Records made while a batch is being written: transaction-log-faults.test.ts.
  await log.close();
});

test('FileTransactionLog – query filters by stan, terminal, rrn, from, to and limit, newest first', async (t) => {
  const { dir, log } = await openLog(t);
  const records = [
    rec('000001', T0, { rrn: 'RRN000000001' }),
    rec('000002', T0 + 1000, { terminal: 'TERM0002' }),
    rec('000001', T0 + DAY, { terminal: 'TERM0002', rrn: 'RRN000000002' }),
    rec('000003', T0 + DAY + 1000),
    rec('000001', T0 + 2 * DAY),
  ];
  for (const r of records) void log.record(r);
  const ats = async (q: Parameters<FileTransactionLog['query']>[0]): Promise<number[]> => (await log.query(q)).map((r) => r.at - T0);
  assert.deepEqual(await ats({}), [2 * DAY, DAY + 1000, DAY, 1000, 0]);
  assert.deepEqual(await ats({ stan: '000001' }), [2 * DAY, DAY, 0]);
  assert.deepEqual(await ats({ stan: '1' }), [2 * DAY, DAY, 0], 'a short STAN is padded as it travels');
  assert.deepEqual(await ats({ terminal: 'TERM0002' }), [DAY, 1000]);
  assert.deepEqual(await ats({ rrn: 'RRN000000001' }), [0]);
  assert.deepEqual(await ats({ from: T0 + 1000, to: T0 + DAY + 1000 }), [DAY + 1000, DAY, 1000]);
  assert.deepEqual(await ats({ stan: '000001', terminal: 'TERM0001' }), [2 * DAY, 0]);
  assert.deepEqual(await ats({ limit: 2 }), [2 * DAY, DAY + 1000]);
  assert.deepEqual(await ats({ stan: '999999' }), []);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort(), [
    'transactions-2026-11-28.jsonl',
    'transactions-2026-11-29.jsonl',
    'transactions-2026-11-30.jsonl',
  ]);
  await assert.rejects(log.query({ stan: '12345678' }), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', field: 'stan' });
  await assert.rejects(log.query({ limit: 0 }), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', field: 'limit' });
  await assert.rejects(log.query({ from: 5, to: 4 }), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', field: 'from' });
  await log.close();
});

test('FileTransactionLog – newest by acceptance time even when a slow request settles after faster later ones', async (t) => {
  const { log } = await openLog(t);
  // Written in the order the outcomes came: a request accepted at T0 that timed out 30 s later comes last.
  void log.record(rec('000010', T0 + 10_000, { latencyMs: 5 }));
  void log.record(rec('000020', T0 + 20_000, { latencyMs: 5 }));
  void log.record(rec('000001', T0, { latencyMs: 30_000, outcome: 'timeout' }));
  assert.deepEqual((await log.query({ limit: 1 })).map((r) => r.stan), ['000020']);
  assert.deepEqual((await log.query({ limit: 3 })).map((r) => r.stan), ['000020', '000010', '000001']);
  assert.deepEqual((await log.query({ from: T0 + 15_000 })).map((r) => r.stan), ['000020']);
  await log.close();
});

test('FileTransactionLog – a query reads across the chunks of a big file, every record once, in order', async (t) => {
  const { dir, log } = await openLog(t);
  // About 1.6 MB: more than one chunk of the backward reader, lines cut at the chunk boundary.
  for (let i = 0; i < 10_000; i++) void log.record(rec(String(i).padStart(6, '0'), T0 + i, { merchant: 'M'.repeat(15), rrn: String(i).padStart(12, '0') }));
  const all = await log.query({ limit: 10_000 });
  assert.equal(all.length, 10_000);
  assert.ok(all.every((r, i) => r.at === T0 + 9_999 - i));
  // Every line found by its filter text, wherever it lies: first line, cut by a chunk boundary, last line.
  for (let i = 0; i < 10_000; i += 1) {
    const found = await log.query({ rrn: String(i).padStart(12, '0') });
    assert.deepEqual(found.map((r) => r.stan), [String(i).padStart(6, '0')], `record ${i}`);
    if (i === 20) i = 9_970; // the start and the end of the file; the middle by the sample below
  }
  for (let i = 21; i < 9_970; i += 97) assert.equal((await log.query({ stan: String(i).padStart(6, '0') })).length, 1, `record ${i}`);
  // The lines the backward reader's chunks (1 MiB from the end) cut in two.
  const text = readFileSync(join(dir, transactionFile('2026-11-28')));
  const cuts: number[] = [];
  for (let boundary = text.length - 1024 * 1024; boundary > 0; boundary -= 1024 * 1024) {
    const start = text.lastIndexOf(0x0a, boundary - 1) + 1;
    cuts.push((JSON.parse(text.toString('utf8', start, text.indexOf(0x0a, start))) as TransactionRecord).at - T0);
  }
  assert.ok(cuts.length >= 1);
  for (const i of cuts) assert.equal((await log.query({ stan: String(i).padStart(6, '0') })).length, 1, `record ${i} across a chunk boundary`);
  await log.close();
});

test('FileTransactionLog – prune deletes whole days older than `before` and says how many records went', async (t) => {
  const { dir, log } = await openLog(t);
  for (let d = 0; d < 3; d++) for (let i = 0; i < 3; i++) void log.record(rec(`00000${i}`, T0 + d * DAY + i));
  await log.query({});
  // The day of `before` is kept whole: only days that ended by then go.
  assert.equal(await log.prune(T0 + 2 * DAY), 6);
  assert.deepEqual((await log.query({})).map((r) => r.at - T0), [2 * DAY + 2, 2 * DAY + 1, 2 * DAY]);
  assert.equal(existsSync(join(dir, transactionFile('2026-11-28'))), false);
  assert.equal(await log.prune(T0 + 2 * DAY), 0);
  // Records for a pruned day are written again to a new file of that day.
  await log.record(rec('000009', T0));
  assert.equal((await log.query({ stan: '000009' })).length, 1);
  await log.close();
});

test('FileTransactionLog – a corrupt line is skipped and reported once, the records around it are read', async (t) => {
  const dir = tempDir(t, 'txlog');
  const { logger, lines } = capturedLogger();
  const file = join(dir, transactionFile('2026-11-28'));
  writeFileSync(file, `${JSON.stringify(rec('000001', T0))}\n{"at":12,"no\u0000t json\n${JSON.stringify(rec('000002', T0 + 1))}\n`);
  const log = new FileTransactionLog(dir, { logger });
  await log.open();
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000002', '000001']);
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000002', '000001']);
  const warned = lines.filter((l) => l.code === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
  assert.equal(warned.length, 1, 'reported once');
  assert.equal(warned[0]?.offset, JSON.stringify(rec('000001', T0)).length + 1);
  assert.equal(warned[0]?.file, file);
  await log.close();
});

test('FileTransactionLog – a last line cut by a crash is skipped, and the next record starts on its own line', async (t) => {
  const dir = tempDir(t, 'txlog');
  const { logger, lines } = capturedLogger();
  const first = new FileTransactionLog(dir);
  await first.open();
  await first.record(rec('000001', T0));
  await first.close();
  const file = join(dir, transactionFile('2026-11-28'));
  appendFileSync(file, JSON.stringify(rec('000002', T0 + 1)).slice(0, 40));
  const log = new FileTransactionLog(dir, { logger });
  await log.open();
  // A reader sees the unterminated line as a record being written: skipped without a word.
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000001']);
  assert.equal(lines.length, 0);
  await log.record(rec('000003', T0 + 2));
  assert.ok(lines.some((l) => l.code === 'ISO8583_WARN_TRANSACTION_LOG_CUT' && l.file === file));
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000003', '000001']);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('}\n'));
  const cut = text.slice(0, -1).lastIndexOf('\n');
  assert.ok(cut > 0 && text[cut - 1] !== '}', 'the cut line ends with the newline put before the next record');
  assert.deepEqual(JSON.parse(text.slice(cut + 1)), rec('000003', T0 + 2));
  await log.close();
});

test('FileTransactionLog – one writer per folder; a reader takes no lock and writes nothing', async (t) => {
  const { dir, log } = await openLog(t);
  await log.record(rec('000001', T0));
  const second = new FileTransactionLog(dir);
  await assert.rejects(second.open(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED');
    assert.match(err.message, new RegExp(`process ${process.pid}`));
    return true;
  });
  const reader = new FileTransactionLog(dir, { readOnly: true });
  await reader.open();
  assert.deepEqual((await reader.query({ stan: '000001' })).map((r) => r.stan), ['000001']);
  await assert.rejects(reader.record(rec('000002', T0)), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  await assert.rejects(reader.prune(T0 + DAY), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  await reader.close();
  await log.close();
  // Released on close: another writer may take the folder.
  const third = new FileTransactionLog(dir);
  await third.open();
  await third.close();
  await assert.rejects(new FileTransactionLog(join(dir, 'missing'), { readOnly: true }).open(), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
});

test('FileTransactionLog – records given before open wait for it; open is idempotent (several connectors share one log)', async (t) => {
  const dir = tempDir(t, 'txlog');
  const log = new FileTransactionLog(dir);
  const early = log.record(rec('000001', T0));
  await Promise.all([log.open(), log.open()]);
  await early;
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000001']);
  await log.close();
  await log.close();
  await assert.rejects(log.record(rec('000002', T0)), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
});
