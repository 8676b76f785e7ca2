// Which failures the recorder logs when its log is a FileTransactionLog that logs its own write failures (a logger
// given): a failed batch gets the log's episode line only (one line per episode, the recorder counts it); a record the
// log refuses (the log closed) gets the recorder's line, which is the only one: the log logs no refusal. Both reject
// with ISO8583_ERR_CONNECTOR_TRANSACTION_LOG naming `transactionLog`, so a flag on the log ("logs its own failures")
// cannot tell them apart: the rule is per failure (transaction-log-episodes.ts `reportedFailures`). Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import { FileTransactionLog, TransactionRecorder } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const CODE = 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG';

function rec(stan: string): TransactionRecord {
  return { at: T0, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

/** The recorder's last batch, settled (its own handler, attached first, has run): its error. */
async function lastFailure(recorder: TransactionRecorder): Promise<{ code?: string; field?: string }> {
  const batch = (recorder as unknown as { lastBatch: Promise<void> }).lastBatch;
  return batch.then(() => assert.fail('the batch was stored'), (err: { code?: string; field?: string }) => err);
}

test('a logging FileTransactionLog: a failed batch is logged once (by the log), a refused record once (by the recorder)', async (t) => {
  const dir = tempDir(t, 'txlog-refusal-lines');
  const { logger, lines } = capturedLogger('info');
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  await log.open();
  const recorder = new TransactionRecorder(log, 'n1', '127.0.0.1:9', resolveDialect('iso87ascii'), logger);
  recorder.write(rec('000001'));
  await (recorder as unknown as { lastBatch: Promise<void> }).lastBatch;
  // The folder taken by another live process (this one's parent): the next batch fails.
  rmSync(dir, { recursive: true, force: true });
  cpSync(tempDir(t, 'txlog-empty'), dir, { recursive: true });
  writeFileSync(join(dir, 'transactions.lock'), `${process.ppid}\n`);
  recorder.write(rec('000002'));
  const failed = await lastFailure(recorder);
  assert.equal(lines.filter((l) => l['code'] === CODE).length, 1, 'the log\'s episode line only');
  assert.equal(lines.filter((l) => l['msg'] === 'a transaction record was not written').length, 0, 'no recorder line for it');
  await log.close();
  const before = lines.length;
  recorder.write(rec('000003'));
  const refused = await lastFailure(recorder);
  // The same code and field as the failed batch: nothing on the log tells the two apart.
  assert.deepEqual([refused.code, refused.field], [failed.code, failed.field]);
  const after = lines.slice(before);
  assert.deepEqual(after.map((l) => l['msg']), ['a transaction record was not written'], 'the recorder\'s line, the only one');
  assert.equal(recorder.writeFailures, 2);
});
