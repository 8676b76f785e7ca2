// A day file whose line had a digit of its `at` flipped (still JSON, an earlier time of the same day): a query bounded
// by `from` or `limit` used to stop at that line and hide every older record of the file without a word. The damaged
// line is now reported (ISO8583_WARN_TRANSACTION_LOG_CORRUPT, file and offset) and skipped, and the search goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileTransactionLog } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);
const rec = (i: number): TransactionRecord => ({ at: BASE + i * 1000, node: 'n', upstream: 'u', mti: '0200', latencyMs: 1, outcome: 'approved', stan: String(i).padStart(6, '0'), terminal: 'T1' });

/** A query of the log. */
type Query = Parameters<FileTransactionLog['query']>[0];

/** Records 1 to 10 (one a second) written to a file log in a fresh folder (`iso8583-<prefix>-…`); the folder and its day file. */
async function tenRecords(t: AfterHook, prefix: string): Promise<{ dir: string; file: string }> {
  const dir = tempDir(t, prefix);
  const writer = new FileTransactionLog(dir, { syncInterval: 0 });
  await writer.open();
  await Promise.all(Array.from({ length: 10 }, (_, i) => writer.record(rec(i + 1))));
  await writer.close();
  return { dir, file: join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl')) as string) };
}

/** The log in `dir`, opened read-only, logging at warn into `lines` (the caller closes it). */
async function readOnly(dir: string): Promise<{ log: FileTransactionLog; lines: Record<string, unknown>[] }> {
  const { logger, lines } = capturedLogger('warn');
  const log = new FileTransactionLog(dir, { readOnly: true, logger });
  await log.open();
  return { log, lines };
}

/** The STANs `log` serves for `q`, page after page (each page's `next` the next one's `before`). */
async function pagedStans(log: FileTransactionLog, q: Query): Promise<string[]> {
  const out: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await log.query({ ...q, before });
    out.push(...page.map((r) => r.stan as string));
    if (page.next === undefined) return out;
    before = page.next;
  }
}

test('FileTransactionLog – a line whose `at` was damaged into an earlier time is reported and skipped; older records are still found', async (t) => {
  const { dir, file } = await tenRecords(t, 'txlog-damage');
  const six = String(BASE + 6000);
  // One digit 2 -> 0: 5.6 hours earlier, the same day.
  const damaged = `${six.slice(0, 5)}0${six.slice(6)}`;
  assert.notEqual(damaged, six);
  writeFileSync(file, readFileSync(file, 'utf8').replace(`"at":${six}`, `"at":${damaged}`));

  const { log, lines } = await readOnly(dir);
  t.after(() => log.close());
  const stans = async (q: Parameters<FileTransactionLog['query']>[0]): Promise<string[]> => (await log.query(q)).map((r) => r.stan as string);
  assert.deepEqual(await stans({ limit: 6 }), ['000010', '000009', '000008', '000007', '000005', '000004']);
  assert.deepEqual(await stans({ stan: '3', from: Date.UTC(2026, 11, 1, 9) }), ['000003']);
  assert.deepEqual(await stans({ from: Date.UTC(2026, 11, 1, 9) }), ['000010', '000009', '000008', '000007', '000005', '000004', '000003', '000002', '000001']);
  const reports = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
  assert.equal(reports.length, 1, 'reported once');
  assert.equal(reports[0]?.['file'], file);
  assert.equal(typeof reports[0]?.['offset'], 'number');
  // A query the damaged line does not bound reads it as it is.
  assert.equal((await stans({})).length, 10);
});

test('FileTransactionLog – a line whose `at` was damaged into a later time of its day is reported and skipped by every query, whatever it reads', async (t) => {
  const { dir, file } = await tenRecords(t, 'txlog-damage-later');
  // Line 3's `at` moved (still JSON, still its day) to between those of lines 8 and 9; line 1's to after line 2's.
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(`"at":${BASE + 3000}`, `"at":${BASE + 8500}`).replace(`"at":${BASE + 1000}`, `"at":${BASE + 9900}`));

  const { log, lines } = await readOnly(dir);
  t.after(() => log.close());
  const stans = async (q: Parameters<FileTransactionLog['query']>[0]): Promise<string[]> => (await log.query(q)).map((r) => r.stan as string);
  const paged = (q: Query): Promise<string[]> => pagedStans(log, q);
  const intact = ['000010', '000009', '000008', '000007', '000006', '000005', '000004', '000002'];
  // A query that reads the whole file and one that stops early (a limit, a `from`) give the same records.
  assert.deepEqual(await stans({}), intact);
  assert.deepEqual(await stans({ limit: 3 }), intact.slice(0, 3));
  assert.deepEqual(await paged({ limit: 3 }), intact);
  assert.deepEqual(await stans({ from: BASE + 8000 }), intact.slice(0, 3));
  // A search by text (only the lines holding it, and those next to them) checks them as well.
  assert.deepEqual(await stans({ terminal: 'T1' }), intact);
  assert.deepEqual(await paged({ terminal: 'T1', limit: 2 }), intact);
  assert.deepEqual(await stans({ stan: '3' }), []);
  assert.deepEqual(await stans({ stan: '1' }), []);
  assert.deepEqual(await stans({ stan: '2' }), ['000002']);
  const reports = lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT');
  const offsets = text.split('\n').map((_, i, all) => all.slice(0, i).join('\n').length + (i > 0 ? 1 : 0));
  assert.deepEqual(reports.map((r) => r['offset']).sort((a, b) => Number(a) - Number(b)), [offsets[0], offsets[2]], 'lines 1 and 3, each once');
  for (const r of reports) assert.equal(r['file'], file);
});

test('FileTransactionLog – no intact line is taken as damaged: clock steps back and forward, slow outcomes, drift; every record served once, nothing reported', async (t) => {
  let seed = 20261202;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 3; round++) {
    const dir = tempDir(t, 'txlog-damage-none');
    const writer = new FileTransactionLog(dir, { flushDelay: 0 });
    await writer.open();
    let clock = Date.UTC(2026, 10, 30, 23, 50);
    const written: TransactionRecord[] = [];
    for (let i = 0; i < 300; i++) {
      const r = random();
      // Steps of the wall clock (back and forward, up to 10 minutes), else a request every 0-2 s.
      clock += r < 0.02 ? -Math.floor(random() * 600_000) : r < 0.04 ? Math.floor(random() * 600_000) : Math.floor(random() * 2000);
      // Some outcomes an hour after acceptance (SAF), and the drift between `at` and the latency's timer.
      const latencyMs = random() < 0.05 ? Math.floor(random() * 3_600_000) : random() * 3000;
      const record: TransactionRecord = { ...rec(i), at: clock - latencyMs + (random() - 0.5) * 1990, latencyMs, terminal: `T${i % 4}` };
      written.push(record);
      void writer.record(record);
      if (random() < 0.1) await writer.query({ limit: 1 });
    }
    await writer.close();
    const { log, lines } = await readOnly(dir);
    const paged = (q: Query): Promise<string[]> => pagedStans(log, q);
    const all = written.map((r) => r.stan as string).sort();
    assert.deepEqual((await log.query({ limit: 1000 })).map((r) => r.stan).sort(), all);
    assert.deepEqual((await paged({ limit: 7 })).sort(), all);
    assert.deepEqual((await paged({ terminal: 'T1', limit: 5 })).sort(), written.filter((r) => r.terminal === 'T1').map((r) => r.stan).sort());
    assert.deepEqual(lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_CORRUPT'), [], `round ${round}: nothing reported`);
    await log.close();
  }
});
