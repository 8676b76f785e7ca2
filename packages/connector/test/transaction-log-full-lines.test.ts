// The file transaction log on a full disk writes one error line when its batches begin to fail and one warn line, with
// the records lost, when a batch is written again; the recorder adds no line of its own for those failures. Before,
// every failed batch (one each 10 ms under load) wrote two error lines: 1,716 in 10 s. A real tmpfs filled by a
// ballast file (root; skipped otherwise), real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import { tmpfsFolder } from '@iso8583/test-support';
import { FileTransactionLog, TransactionRecorder } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');
/** Batches that fail once the disk is full. */
const FAILED = 30;

function rec(n: number): TransactionRecord {
  return { at: T0 + n, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan: String(n % 1_000_000).padStart(6, '0'), terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

test('FileTransactionLog – a full disk: one line when batches begin to fail, one with the records lost when one is written again', async (t) => {
  const dir = tmpfsFolder(t, '256k', 'iso8583-txlog-full-');
  if (dir === undefined) return;
  const { logger, lines } = capturedLogger('info');
  const log = new FileTransactionLog(join(dir, 'tx'), { logger });
  await log.open();
  const recorder = new TransactionRecorder(log, 'n1', '127.0.0.1:9', resolveDialect('iso87ascii'), logger);
  /** Hands `n` to the recorder (one batch); whether it was stored. */
  const write = async (n: number): Promise<boolean> => {
    recorder.write(rec(n));
    const batch = (recorder as unknown as { lastBatch: Promise<void> }).lastBatch;
    // The recorder's own handler of a failure (attached before this one) has run once this settles.
    return batch.then(() => true, () => false);
  };
  assert.equal(await write(0), true);
  const ballast = join(dir, 'ballast');
  try {
    writeFileSync(ballast, Buffer.alloc(1024 * 1024));
  } catch {
    // full now: what was written stays
  }
  // The day file's last page may still take a few lines: write until one fails.
  let n = 1;
  while (await write(n)) {
    n++;
    assert.ok(n < 10_000, 'a write fails once the disk is full');
  }
  for (let i = 1; i < FAILED; i++) assert.equal(await write(++n), false);
  const failedBefore = log.stats.failed;
  assert.equal(failedBefore, FAILED);
  assert.equal(recorder.writeFailures, FAILED, 'every failed batch is counted');
  const errors = lines.filter((l) => l['level'] === 50);
  assert.deepEqual(errors.map((l) => l['msg']), ['the transaction log cannot be written: records lost'], 'one error line for the episode');
  assert.equal(errors[0]?.['cause'], 'ENOSPC');

  rmSync(ballast);
  assert.equal(await write(n + 1), true);
  const back = lines.filter((l) => l['level'] === 40);
  assert.equal(back.length, 1, JSON.stringify(back));
  assert.equal(back[0]?.['code'], 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
  assert.equal(back[0]?.['records'], FAILED);
  assert.equal(back[0]?.['batches'], FAILED);
  assert.match(String(back[0]?.['msg']), /^the transaction log is written again: 30 records lost in 30 batches$/);
  await log.close();
});
