// A file where the transaction log's folder should be (put there before the start, or the folder removed and a file put
// at its path while the log runs): the log's error names the path and says it is not a folder (coded, the system's
// ENOTDIR as its cause), not the generic words of the lock it could not take; the reversal journal's start over such
// a path says the same (one home: folder-lock.ts). Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

function rec(stan: string): TransactionRecord {
  return { at: Date.now(), node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

/** The not-a-folder error of the transaction log at `dir`. */
function notAFolder(dir: string): (err: { code?: string; message: string; cause?: { code?: string } }) => boolean {
  return (err) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
    assert.match(err.message, /the transaction log folder is not a folder/);
    assert.ok(err.message.includes(dir), err.message);
    assert.equal(err.cause?.code, 'ENOTDIR');
    return true;
  };
}

test('FileTransactionLog – a file at its folder path at start: the error names the path and says it is not a folder', async (t) => {
  const dir = join(tempDir(t, 'txlog-file-at-start'), 'log');
  writeFileSync(dir, 'not a folder\n');
  await assert.rejects(new FileTransactionLog(dir).open(), notAFolder(dir));
  // A file above it: the same.
  await assert.rejects(new FileTransactionLog(join(dir, 'below')).open(), notAFolder(join(dir, 'below')));
  // A reader says the same, its cause naming the system call it made (it only looked: stat, never mkdir).
  for (const path of [dir, join(dir, 'below')]) {
    await assert.rejects(new FileTransactionLog(path, { readOnly: true }).open(), (err: { code?: string; message: string; cause?: { code?: string; syscall?: string; message?: string } }) => {
      assert.equal(err.cause?.syscall, 'stat', path);
      assert.equal(err.cause?.message, `ENOTDIR: not a directory, stat '${path}'`);
      return notAFolder(path)(err);
    });
  }
});

test('FileTransactionLog – its folder replaced by a file while it runs: the failure names the path and says it is not a folder; the folder back, it writes again', async (t) => {
  const dir = join(tempDir(t, 'txlog-file-while-open'), 'log');
  const { logger, lines } = capturedLogger();
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(dir, 'not a folder\n');
  await assert.rejects(log.record(rec('000002')), (err: { code?: string; cause?: unknown }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
    return notAFolder(dir)(err.cause as { message: string });
  });
  const failed = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' && l.level === 50);
  assert.equal(failed.length, 1);
  assert.equal(failed[0]?.dir, dir);
  assert.equal(failed[0]?.cause, 'ENOTDIR');
  assert.match(String(failed[0]?.reason), /the transaction log folder is not a folder/);
  assert.ok(String(failed[0]?.reason).includes(dir));
  assert.deepEqual(log.stats, { records: 1, batches: 1, failed: 1 });
  // The file taken away: the next batch makes the folder again.
  unlinkSync(dir);
  await log.record(rec('000003'));
  assert.deepEqual(log.stats, { records: 2, batches: 2, failed: 1 });
  await log.close();
});

test('FileJournal – a file at its folder path at start: the system reason says not a directory, naming the path', async (t) => {
  const dir = join(tempDir(t, 'journal-file-at-start'), 'journal');
  writeFileSync(dir, 'not a folder\n');
  await assert.rejects(new FileJournal(dir).open(), (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
    assert.ok(err.message.endsWith(`ENOTDIR (not a directory): ${dir}`), err.message);
    return true;
  });
});
