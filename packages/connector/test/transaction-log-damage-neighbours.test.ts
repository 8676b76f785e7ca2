// A query by STAN, terminal or RRN reads only the lines holding the filter's text, each with the lines next to it, so
// that a line whose `at` was damaged into a later time of its day is found (it settled later than the line after it
// while the line before it did not) and skipped. When the line after the damaged one matches the filter too, the
// damaged line was read as that line's neighbour, and the line before it must still be read: a search that stopped
// short of it served the damaged line as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTransactionLog } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);
/** Record `i`, on terminal T0 for the numbers in `t0`, else T1. */
const rec = (i: number, t0: readonly number[]): TransactionRecord => ({
  at: BASE + i * 1000,
  node: 'n',
  upstream: 'u',
  mti: '0200',
  latencyMs: 1,
  outcome: 'approved',
  stan: String(i).padStart(6, '0'),
  terminal: t0.includes(i) ? 'T0' : 'T1',
});

test('FileTransactionLog – a line damaged into a later time and followed by a line of the same terminal is skipped by a query for that terminal, at every limit', async (t) => {
  const dir = tempDir(t, 'txlog-damage-neighbours');
  const t0 = [2, 5, 6];
  const writer = new FileTransactionLog(dir, { syncInterval: 0 });
  await writer.open();
  for (let i = 1; i <= 8; i++) await writer.record(rec(i, t0));
  await writer.close();
  const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl')) as string);
  // Line 5 (T0, followed by line 6, T0 too) moved three hours later, still its day.
  writeFileSync(file, readFileSync(file, 'utf8').replace(`"at":${BASE + 5000}`, `"at":${BASE + 5000 + 3 * 3_600_000}`));

  const { logger, lines } = capturedLogger('warn');
  const log = new FileTransactionLog(dir, { readOnly: true, logger });
  await log.open();
  t.after(() => log.close());
  for (const limit of [1, 2, 3, 100]) {
    const stans: string[] = [];
    let before: string | undefined;
    do {
      const page = await log.query({ terminal: 'T0', limit, ...(before === undefined ? {} : { before }) });
      stans.push(...page.map((r) => r.stan as string));
      before = page.next;
    } while (before !== undefined);
    assert.deepEqual(stans, ['000006', '000002'], `limit ${limit}: the damaged line 5 skipped`);
  }
  assert.deepEqual((await log.query({ stan: '000005' })).map((r) => r.stan), [], 'a query for its STAN skips it too');
  const reports = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
  assert.equal(reports.length, 1, 'reported once');
});
