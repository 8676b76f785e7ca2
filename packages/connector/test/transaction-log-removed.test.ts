// The file transaction log's folder removed (`rm -rf`) or replaced (a restore over it) while the log is open: records
// appended through the old handles would go into files no one reads, each batch acknowledged. Each batch checks that
// the folder's lock and the day files it wrote are still the log's own; when not, the log reopens the folder (made
// again, its lock taken again), writes a batch that went into a lost file again, and logs an error naming the folder;
// when it cannot (another process holds the folder now), the batch fails, counted and logged. Real files, a real
// socket peer; write gates (helpers/write-faults.ts) order the removal against a write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const DAY_FILE = transactionFile('2026-11-28');

function rec(stan: string, at = T0): TransactionRecord {
  return { at, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

/** The STANs in the day files of `dir`, in file order. */
function stansIn(dir: string): string[] {
  const files = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort();
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as TransactionRecord).stan ?? ''),
  );
}

test('transaction log folder removed while the connector runs: the next requests are recorded in the folder made again, and an error names it', async (t) => {
  const dir = tempDir(t, 'txlog-removed');
  const { logger, lines } = capturedLogger();
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: log });
  await connector.request(purchase('009001'));
  await log.query({}); // written
  rmSync(dir, { recursive: true, force: true });
  await connector.request(purchase('009002'));
  await connector.request(purchase('009003'));
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['009003', '009002']);
  assert.deepEqual(log.stats, { records: 3, batches: 3, failed: 0 });
  assert.equal(connector.transactions?.writeFailures, 0);
  await connector.close();
  await log.close();
  assert.deepEqual(stansIn(dir), ['009002', '009003'], 'in the files of the folder made again');
  assert.ok(!existsSync(join(dir, 'transactions.lock')), 'the lock taken again, and released on close');
  const reopened = lines.filter((l) => l.code === 'ISO8583_WARN_TRANSACTION_LOG_REOPENED');
  assert.equal(reopened.length, 1, 'logged once');
  assert.equal(reopened[0]?.level, 50);
  assert.equal(reopened[0]?.dir, dir);
  assert.match(String(reopened[0]?.reason), /lock .*transactions\.lock was removed/);
});

test('FileTransactionLog – a restore over its folder: later records are appended to the restored file, not to the replaced one', async (t) => {
  const dir = tempDir(t, 'txlog-restored');
  const backup = tempDir(t, 'txlog-backup');
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  await log.record(rec('000002'));
  // The backup, taken while the log runs (its lock file, this process's pid, copied with it).
  cpSync(dir, backup, { recursive: true });
  await log.record(rec('000003'));
  rmSync(dir, { recursive: true, force: true });
  cpSync(backup, dir, { recursive: true });
  await log.record(rec('000004'));
  assert.deepEqual(stansIn(dir), ['000001', '000002', '000004'], '000003 went with the file the restore replaced');
  assert.deepEqual(log.stats, { records: 4, batches: 4, failed: 0 });
  await log.close();
});

test('FileTransactionLog – the folder removed while a batch is being written: the batch is written again into the new file', async (t) => {
  const dir = tempDir(t, 'txlog-removed-mid');
  const faults = await writeFaults(t, tempDir(t, 'txlog-scratch'));
  const { logger, lines } = capturedLogger();
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  const held = gate();
  const started = gate();
  faults.rules.push({ marker: '"stan":"000002"', started: started.open, gate: held.promise });
  const second = log.record(rec('000002'));
  await started.promise;
  // The lock was checked before the write began: only the day file's check after the write can see this.
  rmSync(dir, { recursive: true, force: true });
  held.open();
  await second;
  assert.deepEqual(stansIn(dir), ['000002']);
  assert.deepEqual(log.stats, { records: 2, batches: 2, failed: 0 });
  const reopened = lines.find((l) => l.code === 'ISO8583_WARN_TRANSACTION_LOG_REOPENED');
  assert.match(String(reopened?.reason), new RegExp(`file .*${DAY_FILE.replace('.', '\\.')} was removed`));
  await log.close();
});

test('FileTransactionLog – its day file replaced, the lock left alone: the batch goes into the new file, written once', async (t) => {
  const dir = tempDir(t, 'txlog-file-replaced');
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  const path = join(dir, DAY_FILE);
  unlinkSync(path);
  writeFileSync(path, `${JSON.stringify(rec('000000'))}\n`);
  await log.record(rec('000002'));
  await log.record(rec('000003'));
  assert.deepEqual(stansIn(dir), ['000000', '000002', '000003']);
  assert.deepEqual(log.stats, { records: 3, batches: 3, failed: 0 });
  await log.close();
});

test('FileTransactionLog – its folder taken by another live process meanwhile: batches fail, counted and logged with the folder, until it is free', async (t) => {
  const dir = tempDir(t, 'txlog-taken');
  const { logger, lines } = capturedLogger();
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  rmSync(dir, { recursive: true, force: true });
  // The folder made again and locked by another process that is alive (this one's parent).
  cpSync(tempDir(t, 'txlog-empty'), dir, { recursive: true });
  writeFileSync(join(dir, 'transactions.lock'), `${process.ppid}\n`);
  await assert.rejects(log.record(rec('000002')), (err: { code?: string; message: string }) => err.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' && err.message.includes(dir));
  await assert.rejects(log.record(rec('000003')), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  assert.deepEqual(log.stats, { records: 1, batches: 1, failed: 2 });
  assert.deepEqual(stansIn(dir), [], 'nothing written into the other process\'s folder');
  const failed = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' && l.level === 50);
  assert.equal(failed.length, 1, 'one error line when batches begin to fail, not one a batch');
  assert.equal(failed[0]?.dir, dir);
  assert.equal(failed[0]?.cause, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED');
  assert.match(String(failed[0]?.reason), /lock .* was replaced by another file/);
  assert.equal(readFileSync(join(dir, 'transactions.lock'), 'utf8'), `${process.ppid}\n`, 'the other process\'s lock left alone');
  // The other process lets go: the next batch takes the folder.
  unlinkSync(join(dir, 'transactions.lock'));
  await log.record(rec('000004'));
  assert.deepEqual(stansIn(dir), ['000004']);
  assert.deepEqual(log.stats, { records: 2, batches: 2, failed: 2 });
  const again = lines.filter((l) => l.level === 40 && /written again/.test(String(l.msg)));
  assert.equal(again.length, 1, 'one line when it is written again');
  await log.close();
});
