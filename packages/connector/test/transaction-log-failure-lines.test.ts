// The lines of a file transaction log's failed batches: a log without a logger of its own (a library user's
// `new FileTransactionLog(dir)`) leaves the recorder's line in place (before, no line at all); a failure of another
// kind in the middle of an episode ends it and begins a new one with its own error line (before, only counted). Real
// files; the folder taken by another live process (this one's parent) or replaced by a plain file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import { FileTransactionLog, TransactionRecorder } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');

function rec(stan: string): TransactionRecord {
  return { at: T0, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

/** Takes `dir` from the log: removed, made again and locked by another live process (this one's parent). */
function takeFolder(t: Parameters<typeof tempDir>[0], dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  cpSync(tempDir(t, 'txlog-empty'), dir, { recursive: true });
  writeFileSync(join(dir, 'transactions.lock'), `${process.ppid}\n`);
}

test('FileTransactionLog without a logger, its batches failing: the recorder logs the failed batch itself', async (t) => {
  const dir = tempDir(t, 'txlog-no-logger');
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  takeFolder(t, dir);
  const { logger, lines } = capturedLogger('info');
  const recorder = new TransactionRecorder(log, 'n1', '127.0.0.1:9', resolveDialect('iso87ascii'), logger);
  recorder.write(rec('000002'));
  const batch = (recorder as unknown as { lastBatch: Promise<void> }).lastBatch;
  // The recorder's own handler (attached before this one) has run once this settles.
  await assert.rejects(batch, { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  assert.equal(recorder.writeFailures, 1);
  const recorded = lines.filter((l) => l['msg'] === 'a transaction record was not written');
  assert.equal(recorded.length, 1, 'the recorder\'s line: the log has none to show');
  assert.equal(recorded[0]?.['code'], 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
  await log.close();
});

test('FileTransactionLog – a failure of another kind in the middle of an episode: the episode ends, the new failure gets its error line', async (t) => {
  const dir = tempDir(t, 'txlog-other-failure');
  const { logger, lines } = capturedLogger('info');
  const log = new FileTransactionLog(dir, { logger, flushDelay: 0 });
  await log.open();
  await log.record(rec('000001'));
  takeFolder(t, dir);
  await assert.rejects(log.record(rec('000002')));
  await assert.rejects(log.record(rec('000003')));
  // The folder replaced by a plain file: the log cannot make it again.
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(dir, 'not a folder\n');
  await assert.rejects(log.record(rec('000004')));
  await assert.rejects(log.record(rec('000005')));
  const errors = lines.filter((l) => l['code'] === 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' && l['level'] === 50);
  assert.equal(errors.length, 2, 'one error line for each kind of failure');
  assert.equal(errors[0]?.['cause'], 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED');
  assert.notEqual(errors[1]?.['cause'], 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED');
  const ended = lines.filter((l) => l['level'] === 40 && String(l['msg']).includes('fails for another reason'));
  assert.equal(ended.length, 1, JSON.stringify(lines));
  assert.equal(ended[0]?.['records'], 2);
  assert.equal(ended[0]?.['batches'], 2);
  rmSync(dir, { force: true });
  await log.close();
});
