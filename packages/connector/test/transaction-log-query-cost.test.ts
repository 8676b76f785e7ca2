// The cost of a file transaction log query, counted in lines parsed (never in milliseconds): a page after a cursor
// passes over the lines accepted after the cursor by their leading `at`, unparsed, so that paging a day costs about a
// page's lines per page, not the depth of the page (rv69e finding 1); a STAN/terminal/RRN filter keeps its byte
// prefilter when `from` is given too (finding 2). Every record is still served exactly once across the pages, while
// records of earlier times (late outcomes) are written between them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileTransactionLog } from '../src/index.js';
import type { TransactionQuery, TransactionRecord } from '../src/index.js';
import { queryFolder } from '../src/transaction-log-read.js';
import type { FolderQueryCounts } from '../src/transaction-log-read.js';
import { checkTransactionQuery } from '../src/transaction-query.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const BASE = Date.UTC(2026, 11, 1, 1, 0, 0);
const N = 300;
const rec = (i: number, at = BASE + i * 1000, latencyMs = 1): TransactionRecord => ({
  at,
  node: 'n',
  upstream: 'u',
  mti: '0200',
  latencyMs,
  outcome: 'approved',
  stan: String(i % 999_999).padStart(6, '0'),
  terminal: `T${i % 7}`,
  rrn: String(i).padStart(12, '0'),
});

async function written(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; log: FileTransactionLog }> {
  const dir = tempDir(t, 'txlog-query-cost');
  const log = new FileTransactionLog(dir, { syncInterval: 0 });
  await log.open();
  t.after(() => log.close());
  const writes: Promise<void>[] = [];
  for (let i = 0; i < N; i++) writes.push(log.record(rec(i)));
  await Promise.all(writes);
  return { dir, log };
}

test('FileTransactionLog – paging a day parses about a page of lines per page, whatever its depth; every record once while late outcomes are written', async (t) => {
  const { dir, log } = await written(t);
  const { logger, lines } = capturedLogger('warn');
  const context = { logger, reported: new Set<string>() };
  const query = async (q: TransactionQuery, counts: FolderQueryCounts): ReturnType<typeof queryFolder> =>
    queryFolder(dir, checkTransactionQuery(q), { ...context, counts });
  const limit = 10;
  const seen = new Map<string, number>();
  const perPage: number[] = [];
  let before: string | undefined;
  let late = 0;
  for (;;) {
    const counts = { parsed: 0 };
    const page = await query({ limit, before }, counts);
    perPage.push(counts.parsed);
    for (const r of page) seen.set(r.rrn as string, (seen.get(r.rrn as string) ?? 0) + 1);
    if (page.next === undefined) break;
    before = page.next;
    // A request accepted long before the cursor settles now: written at the file's end, older than the cursor, so a
    // later page serves it (and a request of now, newer than every cursor: never on these pages).
    if (late < 5) {
      await log.record({ ...rec(N + late, BASE + 5_000 + late, N * 1000), rrn: `L${String(late).padStart(11, '0')}` });
      await log.record({ ...rec(N + 100 + late, BASE + N * 1000 + 10_000 + late), rrn: `N${String(late).padStart(11, '0')}` });
      late += 1;
    }
  }
  const wanted = [...Array.from({ length: N }, (_, i) => String(i).padStart(12, '0')), ...Array.from({ length: late }, (_, i) => `L${String(i).padStart(11, '0')}`)];
  assert.deepEqual([...seen.keys()].sort(), wanted.sort(), 'every record older than the first page, late ones too');
  assert.deepEqual([...seen.values()].filter((n) => n !== 1), [], 'none twice');
  // A page reads its own lines, the lines of late outcomes (each with the line after it, its neighbour), and a few
  // neighbours and stop checks, whatever its depth; before, a page parsed every line accepted after its cursor (page k:
  // about k * limit lines; the last pages nearly all N).
  const deepest = Math.max(...perPage);
  assert.ok(deepest <= limit + 3 * late + 8, `lines parsed per page: ${perPage.join(' ')}`);
  assert.deepEqual(lines, [], 'no damage reported');
});

test('FileTransactionLog – a terminal filter with `from` reads only the lines holding the terminal: none parsed when it is absent', async (t) => {
  const { dir } = await written(t);
  const { logger } = capturedLogger('warn');
  const counts = { parsed: 0 };
  const context = { logger, reported: new Set<string>(), counts };
  const absent = await queryFolder(dir, checkTransactionQuery({ terminal: 'NOPE', from: BASE }), context);
  assert.equal(absent.length, 0);
  assert.equal(counts.parsed, 0, 'before, every line accepted from `from` was parsed');
  // Present: its records (every 7th), newest first, from `from` on; a line read for each hit and its neighbours only.
  const present = await queryFolder(dir, checkTransactionQuery({ terminal: 'T3', from: BASE + 100_000, limit: 1000 }), context);
  const expected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 3 && i >= 100).reverse().map((i) => String(i).padStart(12, '0'));
  assert.deepEqual(present.map((r) => r.rrn), expected);
  assert.ok(counts.parsed <= 3 * (expected.length + 2), `lines parsed: ${counts.parsed} for ${expected.length} records`);
});
