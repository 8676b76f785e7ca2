// The file store reads every line back by the rule it was written by: the allow-list of the writer (only the keys of a
// record, each value checked) and the file of its day. A line damaged on disk (a flipped bit in a key, a time past
// year 9999 or outside its file's day, a smuggled key) is never served: refused ones are reported (file and offset,
// never a value) and skipped in every query, whatever its page; unknown keys are dropped, as on write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTransactionLog } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);
const TRACK = '4761739001010010=25122011234567890';
const rec = (i: number): TransactionRecord => ({ at: BASE + i * 1000, node: 'n', upstream: 'u', mti: '0200', latencyMs: 1, outcome: 'approved', stan: String(i).padStart(6, '0') });

/** Line `i` (1-based stan) of the day file, rewritten by `damage`. */
const DAMAGES: Record<string, (line: string) => string> = {
  'a flipped bit in a key (mti -> mtk)': (l) => l.replace('"mti"', '"mtk"'),
  'a time past year 275760': (l) => l.replace(/"at":[0-9]+/, '"at":9000000000000000'),
  'a time past year 9999': (l) => l.replace(/"at":[0-9]+/, '"at":253402300800000'),
  'a negative time': (l) => l.replace(/"at":[0-9]+/, '"at":-5'),
  'a time of another day': (l) => l.replace(/"at":([0-9]+)/, (_, at: string) => `"at":${Number(at) - 86_400_000}`),
  'a latency that is text': (l) => l.replace('"latencyMs":1', '"latencyMs":"abc"'),
  'a STAN longer than field 11': (l) => l.replace(/"stan":"[0-9]+"/, '"stan":"1234567"'),
  'an unknown outcome': (l) => l.replace('"approved"', '"approvex"'),
};

async function damagedLog(t: Parameters<typeof tempDir>[0], damage: (line: string) => string): Promise<{ file: string; log: FileTransactionLog; lines: Record<string, unknown>[]; text: () => string }> {
  const dir = tempDir(t, 'txlog-read-back');
  const writer = new FileTransactionLog(dir, { syncInterval: 0 });
  await writer.open();
  for (let i = 1; i <= 8; i++) await writer.record(rec(i));
  await writer.close();
  const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl')) as string);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[4] = damage(lines[4] as string); // stan 5
  writeFileSync(file, lines.join('\n'));
  const captured = capturedLogger('warn');
  const log = new FileTransactionLog(dir, { readOnly: true, logger: captured.logger });
  await log.open();
  t.after(() => log.close());
  return { file, log, ...captured };
}

const stansOf = (records: readonly TransactionRecord[]): string[] => records.map((r) => r.stan as string);

for (const [name, damage] of Object.entries(DAMAGES)) {
  test(`FileTransactionLog – a line with ${name} is reported (file, offset) and skipped in every query and page size`, async (t) => {
    const { file, log, lines } = await damagedLog(t, damage);
    const want = ['000008', '000007', '000006', '000004', '000003', '000002', '000001'];
    assert.deepEqual(stansOf(await log.query({})), want);
    for (const limit of [1, 2, 3, 5]) {
      const seen: string[] = [];
      let before: string | undefined;
      for (let n = 0; n < 20; n++) {
        const page = await log.query({ limit, ...(before === undefined ? {} : { before }) });
        seen.push(...stansOf(page));
        if (page.next === undefined) break;
        before = page.next;
      }
      assert.deepEqual(seen, want, `pages of ${limit}`);
    }
    assert.deepEqual(stansOf(await log.query({ stan: '5' })), [], 'not by its own STAN either');
    const reports = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
    assert.equal(reports.length, 1, 'reported once');
    assert.equal(reports[0]?.['file'], file);
    assert.equal(typeof reports[0]?.['offset'], 'number');
  });
}

test('FileTransactionLog – a line carrying keys the writer never writes (track 2, a bad stepBack) is served rebuilt by the allow-list: those keys dropped, the PAN masked', async (t) => {
  const { log, text } = await damagedLog(t, (l) => l.replace('"outcome"', `"track2":"${TRACK}","pan":"4761739001010010","stepBack":"x","outcome"`));
  const five = (await log.query({ stan: '5' }))[0] as unknown as Record<string, unknown>;
  assert.ok(five !== undefined);
  assert.equal(five['track2'], undefined);
  assert.equal(five['stepBack'], undefined);
  assert.equal(five['pan'], '476173******0010');
  const all = await log.query({ limit: 3 });
  assert.ok(all.every((r) => !('stepBack' in r) && !('track2' in r)));
  assert.ok(!text().includes('4761739001'), 'no card data in any log line');
});

test('FileTransactionLog – a line written after a clock step back is served without its `stepBack`', async (t) => {
  const { log } = await damagedLog(t, (l) => l.replace(/}$/, ',"stepBack":2500}'));
  const five = (await log.query({ stan: '5' }))[0] as unknown as Record<string, unknown>;
  assert.equal(five['stan'], '000005');
  assert.equal('stepBack' in five, false);
});
