// A spill's rows go into PostgreSQL through the allow-list the live path writes through (transaction-allow-list.ts),
// whatever wrote the file (an older release, a hand that edited it and its checksum): a full PAN is stored masked, a
// column outside the record's (`record`, the JSON of schema version 100, which could carry track data) refuses the
// file, as does a row the allow-list refuses or a torn row; a refused file is reported with a coded problem and kept
// (nothing of it stored), and the other files are replayed. Against a real PostgreSQL cluster, with real files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { PgTransactionLog } from '../src/index.js';
import { newToken } from '../src/pg/batch-token.js';
import { TRANSACTION_COLUMNS, copyLine } from '../src/pg/transaction-sql.js';
import { databaseIdentity } from '../src/pg/spill-file.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { capturedLogger } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

/** A test card number, and the record's masked one as copyLine writes it. */
const PAN = '4111111111111111';
const MASKED = '411111******1111';

/** Writes a spill file by hand (the JSON body, then its SHA-256 on a line of its own), as an edit would leave it; its path. */
function handSpill(dir: string, body: Record<string, unknown>): string {
  const text = JSON.stringify({ kind: 'iso8583-pg-transaction-spill', keptAt: new Date().toISOString(), ...body });
  const file = join(dir, `transaction-spill-${newToken()}.json`);
  writeFileSync(file, `${text}\n${createHash('sha256').update(text, 'utf8').digest('hex')}\n`, { mode: 0o600 });
  return file;
}

/**
 * A database whose transaction table is made (a log opened and closed on it), a spill folder in a temporary one, a
 * pool on the database and its identity: what a spill is written for. All removed after the test.
 */
async function spillSetup(t: TestContext, name: string): Promise<{ url: string; dir: string; pool: pg.Pool; database: Awaited<ReturnType<typeof databaseIdentity>> }> {
  const url = pgs.database(name);
  const first = new PgTransactionLog({ connectionString: url });
  await first.open();
  await first.close();
  const root = mkdtempSync(join(tmpdir(), `iso8583-${name.replace(/_/g, '-')}-`));
  const dir = join(root, 'spill');
  mkdirSync(dir, { mode: 0o700 });
  const pool = new pg.Pool({ connectionString: url });
  t.after(() => pool.end());
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { url, dir, pool, database: await databaseIdentity(pool) };
}

test('a spill row goes into PostgreSQL through the allow-list: a full PAN masked; a column outside the record, a refused row, a torn row refuse their file (coded, kept), the others are replayed', async (t) => {
  const { url, dir, pool, database } = await spillSetup(t, 'spill_allow_list');

  const fullPan = copyLine(sampleRecord(1)).replace(MASKED, PAN);
  assert.ok(fullPan.includes(PAN), 'the row carries the full PAN');
  const panFile = handSpill(dir, { version: 2, database, columns: TRANSACTION_COLUMNS, batches: [{ token: newToken(), inDoubt: false, rows: fullPan + copyLine(sampleRecord(2)) }] });
  const trackJson = JSON.stringify({ at: 0, node: 'n', track2: `${PAN}=2512101` });
  const recordFile = handSpill(dir, {
    version: 2,
    database,
    columns: [...TRANSACTION_COLUMNS, 'record'],
    batches: [{ token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(3)).replace('\n', `\t${trackJson}\n`) }],
  });
  const refusedFile = handSpill(dir, {
    version: 2,
    database,
    columns: TRANSACTION_COLUMNS,
    batches: [
      { token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(4)) },
      { token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(5)).replace('\tapproved\t', '\tstolen\t') },
    ],
  });
  const tornFile = handSpill(dir, { version: 2, database, columns: TRANSACTION_COLUMNS, batches: [{ token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(6)) + copyLine(sampleRecord(7)).slice(0, 30) + '\n' }] });

  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url, spillDir: dir, logger });
  t.after(() => log.close());
  await log.open();

  const { rows } = await pool.query<{ pan: string | null; stan: string; all: string }>('SELECT pan, stan, t::text AS all FROM iso8583_transactions t ORDER BY stan');
  assert.deepEqual(rows.map((r) => [r.stan, r.pan]), [['000001', MASKED], ['000002', MASKED]], 'the PAN file replayed, its PAN masked; nothing of the refused files');
  assert.ok(!rows.some((r) => r.all.includes(PAN)), 'no full PAN at rest');
  const problems = Object.fromEntries(lines.filter((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL').map((l) => [basename(String(l['file'])), l]));
  assert.equal(problems[basename(panFile)], undefined, 'the PAN file is not refused');
  assert.equal(problems[basename(recordFile)]?.['problem'], 'columns');
  assert.match(String(problems[basename(recordFile)]?.['reason']), /record/);
  for (const file of [refusedFile, tornFile]) {
    assert.equal(problems[basename(file)]?.['problem'], 'record', `${basename(file)}: ${JSON.stringify(problems[basename(file)])}`);
  }
  assert.match(String(problems[basename(refusedFile)]?.['reason']), /outcome/, 'the refused key is named');
  assert.ok(!JSON.stringify(lines).includes(PAN), 'no full PAN in the log');
  assert.deepEqual(readdirSync(dir).sort(), [recordFile, refusedFile, tornFile].map((f) => basename(f)).sort(), 'the refused files kept, the replayed one removed');
});

test('a replay that stopped after a file\'s first batch (the file not yet removed) is replayed again: the first batch found stored, not stored twice, the rest stored', async (t) => {
  const { url, dir, pool, database } = await spillSetup(t, 'spill_allow_list_again');
  const batches = [
    { token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(1)) + copyLine(sampleRecord(2)) },
    { token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(3)) },
  ];
  // The first start stores the first batch only (the file as the stop left it: the second batch not reached).
  handSpill(dir, { version: 2, database, columns: TRANSACTION_COLUMNS, batches: batches.slice(0, 1) });
  const once = new PgTransactionLog({ connectionString: url, spillDir: dir });
  await once.open();
  await once.close();
  for (const name of readdirSync(dir)) rmSync(join(dir, name));
  // The whole file again, as the stop left it on disk.
  handSpill(dir, { version: 2, database, columns: TRANSACTION_COLUMNS, batches });
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url, spillDir: dir, logger });
  t.after(() => log.close());
  await log.open();
  const kept = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_KEPT');
  assert.deepEqual([kept?.['stored'], kept?.['storedBefore']], [1, 2], JSON.stringify(lines));
  const { rows } = await pool.query<{ stan: string }>('SELECT stan FROM iso8583_transactions ORDER BY stan');
  assert.deepEqual(rows.map((r) => r.stan), ['000001', '000002', '000003'], 'each record once');
  assert.deepEqual(readdirSync(dir), [], 'replayed whole and removed');
});
