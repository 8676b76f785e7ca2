// The file transaction log when writes fail or are slow and when the wall clock is stepped: real files, with faults
// injected into the file handle's writes (helpers/write-faults.ts) so that the order of events is the test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const MINUTE = 60_000;

function rec(stan: string, at: number): TransactionRecord {
  return { at, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

const lines = (dir: string): string[] => readFileSync(join(dir, transactionFile('2026-11-28')), 'utf8').split('\n');

test('FileTransactionLog – a batch cut by a full disk is counted as failed, and the next starts on a line of its own', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  const faults = await writeFaults(t, dir);
  const log = new FileTransactionLog(dir);
  await log.open();
  await log.record(rec('000001', T0));
  faults.rules.push({ marker: '"stan":"000002"', cut: true });
  await assert.rejects(log.record(rec('000002', T0 + 1)), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  assert.deepEqual(log.stats, { records: 1, batches: 1, failed: 1 });
  await log.record(rec('000004', T0 + 3));
  // Half a line of the failed batch, then the next record whole on its own line.
  const written = lines(dir);
  assert.deepEqual(JSON.parse(written.at(-2) ?? ''), rec('000004', T0 + 3));
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000004', '000001']);
  await log.close();
});

test('FileTransactionLog – the lines a cut write put whole into the file are counted and reported as stored, only the rest as lost', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  const faults = await writeFaults(t, dir);
  const { logger, lines: logged } = capturedLogger('error');
  const log = new FileTransactionLog(dir, { logger });
  await log.open();
  // Four lines of one length in one batch; the write puts half of its bytes (two whole lines) in, then the disk is full.
  faults.rules.push({ marker: '"stan":"000011"', cut: true });
  const batch = ['000011', '000012', '000013', '000014'].map((stan, i) => log.record(rec(stan, T0 + i)));
  await assert.rejects(batch[0] as Promise<void>, { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  assert.deepEqual(log.stats, { records: 2, batches: 0, failed: 2 });
  const report = logged.find((l) => l['msg'] === 'the transaction log cannot be written: records lost');
  assert.equal(report?.['records'], 2, 'two records lost');
  assert.equal(report?.['stored'], 2, 'two stored');
  assert.equal(report?.['cause'], 'ENOSPC');
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000012', '000011']);
  await log.close();
});

test('FileTransactionLog – records made while a batch is being written, over several turns, go out in one next batch', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  const faults = await writeFaults(t, dir);
  // flushDelay 0: without the merge, each turn's record would be a batch of its own.
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  await log.open();
  const held = gate();
  const started = gate();
  faults.rules.push({ marker: '"stan":"000001"', started: started.open, gate: held.promise });
  const all = [log.record(rec('000001', T0))];
  await started.promise;
  for (let i = 2; i <= 11; i++) {
    all.push(log.record(rec(String(i).padStart(6, '0'), T0 + i)));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  assert.equal(log.stats.batches, 0, 'the first write is still held');
  held.open();
  await Promise.all(all);
  assert.deepEqual(log.stats, { records: 11, batches: 2, failed: 0 });
  await log.close();
});

test('FileTransactionLog – after the wall clock is stepped back an hour, the files are still fdatasynced within syncInterval', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  const faults = await writeFaults(t, dir);
  const log = new FileTransactionLog(dir, { syncInterval: 50 });
  await log.open();
  await log.record(rec('000001', T0));
  const wall = Date.now;
  t.after(() => {
    Date.now = wall;
  });
  Date.now = () => wall() - 3_600_000;
  const synced = faults.nextDatasync(5_000);
  await log.record(rec('000002', T0 + 1));
  await synced;
  await log.close();
});

test('FileTransactionLog – records written after a 10-minute step back hide none of those before it from a query', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  let log = new FileTransactionLog(dir);
  await log.open();
  // Five records at 10:00..10:04, then the clock goes back to 09:55 and five more are recorded.
  for (let i = 0; i < 5; i++) void log.record(rec(`00000${i}`, T0 + i * MINUTE));
  for (let i = 0; i < 5; i++) void log.record(rec(`00001${i}`, T0 - 5 * MINUTE + i * 1000));
  const stans = async (q: Parameters<FileTransactionLog['query']>[0]): Promise<string[]> => (await log.query(q)).map((r) => r.stan ?? '');
  assert.deepEqual(await stans({ from: T0 }), ['000004', '000003', '000002', '000001', '000000']);
  assert.deepEqual(await stans({ limit: 3 }), ['000004', '000003', '000002']);
  const all = await log.query({ from: T0 - 10 * MINUTE });
  assert.equal(all.length, 10);
  assert.ok(all.every((r) => !('stepBack' in r)), 'the step is not part of a record');
  await log.close();
  // A restart after the step: the next records know how far ahead the file's latest outcome is.
  log = new FileTransactionLog(dir);
  await log.open();
  for (let i = 0; i < 3; i++) void log.record(rec(`00002${i}`, T0 - 4 * MINUTE + i * 1000));
  assert.deepEqual(await stans({ from: T0 }), ['000004', '000003', '000002', '000001', '000000']);
  await log.close();
});

test('FileTransactionLog – a day file this process may not open (read-only) fails its batch naming the reason in words and the file', async (t) => {
  const dir = tempDir(t, 'txlog-faults');
  // A real refusal root gets too: the next day's file is immutable (chattr +i) before the log opens it for appending.
  const day = join(dir, transactionFile('2026-11-29'));
  writeFileSync(day, '');
  const immutable = spawnSync('chattr', ['+i', day], { encoding: 'utf8' });
  if (immutable.status !== 0) {
    t.skip(`cannot make a file immutable here: ${immutable.stderr.trim()}`);
    return;
  }
  t.after(() => spawnSync('chattr', ['-i', day]));
  const { logger, lines: logged } = capturedLogger('error');
  const log = new FileTransactionLog(dir, { logger });
  await log.open();
  await log.record(rec('000021', T0));
  const because = `EPERM \\(operation not permitted\\): ${day.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  await assert.rejects(log.record(rec('000022', T0 + 24 * 60 * MINUTE)), {
    code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG',
    message: new RegExp(`the transaction log cannot be written \\(.*\\): ${because}$`),
  });
  const report = logged.find((l) => l['msg'] === 'the transaction log cannot be written: records lost');
  assert.equal(report?.['cause'], 'EPERM');
  assert.match(String(report?.['reason']), new RegExp(`^${because}$`));
  await log.close();
});
